#include "ui/ask_backend.h"

#include <QMetaObject>

#include <string>
#include <utility>
#include <vector>

#include "app/analysis/ask.h"
#include "app/store/database.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "ui/ask_options.h"
#include "ui/session_settings.h"

namespace quire::ui {
namespace {

constexpr int kMaxQuoteChars = 160;  // of the cited passage, shown in the citation list

Citation to_ui(const app::Citation& c) {
  Citation out;
  if (c.page) out.location.page = *c.page;
  out.location.file = QString::fromStdString(c.file);
  out.location.line = c.line_start;
  out.location.passage = QString::fromStdString(c.text);
  QString quote = out.location.passage.simplified();
  if (quote.size() > kMaxQuoteChars) quote = quote.left(kMaxQuoteChars - 1) + QChar(0x2026);
  out.quote = quote;
  return out;
}

}  // namespace

struct AskBackend::Worker {
  std::optional<app::Database> db;
  std::unique_ptr<engine::Session> session;
  QString model_path;   // what `session` runs, and with which settings
  AppSettings settings;
};

struct AskBackend::Job {
  QString question;
  QStringList documents;
  QString model_path;
  AppSettings settings;
  int max_tokens = 256;
};

AskBackend::AskBackend(std::filesystem::path database, std::filesystem::path snapshots_dir,
                       QObject* parent)
    : AnswerBackend(parent),
      database_(std::move(database)),
      snapshots_dir_(std::move(snapshots_dir)),
      worker_(std::make_unique<Worker>()) {
  thread_.setObjectName(QStringLiteral("quire-ask"));
  context_ = new QObject;
  context_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, context_, &QObject::deleteLater);
  thread_.start();
}

AskBackend::~AskBackend() { shutdown(); }

void AskBackend::set_model(const QString& gguf_path, const AppSettings& settings) {
  model_path_ = gguf_path;
  settings_ = settings;
}

void AskBackend::set_documents(const QStringList& paths) { documents_ = paths; }

void AskBackend::start(const QString& question) {
  if (running_) return;  // the caller's error (AnswerBackend contract); the panel never does it
  running_ = true;
  if (shut_down_) {
    post([this] {
      running_ = false;
      emit failed(tr("Quire is closing; the question was not asked."));
    });
    return;
  }
  stop_.emplace();
  Job job{question, documents_, model_path_, settings_, max_tokens_};
  QMetaObject::invokeMethod(
      context_, [this, job = std::move(job), token = stop_->get_token()] { run_job(job, token); },
      Qt::QueuedConnection);
}

void AskBackend::stop() {
  if (running_ && stop_) stop_->request_stop();
}

void AskBackend::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (stop_) stop_->request_stop();
  thread_.quit();  // after the running job returns; nothing else is queued (one job at a time)
  thread_.wait();
}

void AskBackend::post(std::function<void()> fn) {
  QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection);
}

// Worker thread. Touches worker_ and the immutable paths only; everything for the GUI is posted.
void AskBackend::run_job(const Job& job, std::stop_token stop) {
  const auto fail = [this](const std::string& message) {
    post([this, m = QString::fromStdString(message)] {
      running_ = false;
      emit progressEnded();
      emit failed(m);
    });
  };
  if (job.model_path.isEmpty()) {
    return fail("No model is chosen. Pick a GGUF model in Model > Manage Models.");
  }
  if (job.documents.isEmpty()) return fail("No document is open. Open one to ask about it.");
  Worker& w = *worker_;
  if (!w.db) {
    auto db = app::Database::open(database_);
    if (!db) return fail(db.error().message);
    w.db.emplace(std::move(*db));
  }
  if (!w.session || w.model_path != job.model_path || !(w.settings == job.settings)) {
    w.session.reset();  // frees the old KV cache before the new one is allocated
    auto config = session_config(job.settings);
    if (!config) return fail(config.error().message);
    auto model = engine::Model::load(job.model_path.toStdString());
    if (!model) return fail(model.error().message);
    auto session = engine::Session::create(std::move(*model), *config);
    if (!session) return fail(session.error().message);
    w.session = std::move(*session);
    w.model_path = job.model_path;
    w.settings = job.settings;
  }

  app::AskRequest request;
  for (const QString& d : job.documents) request.documents.emplace_back(d.toStdString());
  request.question = job.question.toStdString();
  request.max_tokens = job.max_tokens;
  auto policy = overflow_policy(job.settings);
  if (!policy) return fail(policy.error().message);
  request.overflow = *policy;
  app::AskCallbacks callbacks;
  callbacks.progress = [this](const ProgressUpdate& u) {
    post([this, u] { emit progressChanged(u); });
  };
  callbacks.on_text = [this](std::string_view text) {
    post([this, piece = QString::fromUtf8(text.data(), qsizetype(text.size()))] {
      emit pieceReceived(piece);
    });
  };
  callbacks.on_notice = [this](std::string_view text) {
    post([this, t = QString::fromUtf8(text.data(), qsizetype(text.size()))] { emit notice(t); });
  };
  auto result = app::ask(*w.db, snapshots_dir_, *w.session, request, stop, callbacks);
  if (!result) {
    if (result.error().code != Errc::cancelled) {
      return fail(gui_error_message(result.error(), job.settings, job.max_tokens).toStdString());
    }
    return post([this] {
      running_ = false;
      emit progressEnded();
      emit finished(true);
    });
  }
  QList<Citation> citations;
  for (const app::Citation& c : result->citations) citations << to_ui(c);
  const AnswerRecord record{result->session_id,     result->message_id,
                            result->span_report_id, result->restored_from_snapshot,
                            result->context_tokens, result->prefill_tokens,
                            result->answer_tokens};
  post([this, citations, record] {
    running_ = false;
    emit progressEnded();
    emit citationsReady(citations);
    emit answerStored(record);
    emit finished(false);
  });
}

}  // namespace quire::ui
