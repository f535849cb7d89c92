#include "ui/batch_runner.h"

#include <QSaveFile>

#include <algorithm>
#include <deque>
#include <string>
#include <utility>

#include "app/analysis/batch.h"
#include "app/analysis/export.h"
#include "app/store/database.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "ui/ask_options.h"
#include "ui/session_settings.h"

namespace quire::ui {
namespace {

// The pending items of the run in flight, in the order run_batch answers them (id order), so
// that document progress can name the document it is about. run_batch does not say which run
// it works on until the first item ends, so before that the newest running run is taken: the
// one run_batch has just created or reopened.
struct InFlight {
  bool loaded = false;
  int64_t run_id = 0;    // 0 until known
  int64_t finished = 0;  // the run's items with an outcome, once an item has ended
  int64_t total = 0;
  std::deque<std::pair<int64_t, std::string>> pending;  // (item id, path)

  void load(app::Database& db) {
    loaded = true;
    app::BatchRepo repo(db);
    auto runs = repo.list_runs();
    if (!runs) return;
    for (const app::BatchRunRow& run : *runs) {
      if (run.status != "running") continue;
      run_id = run.id;
      auto items = repo.items(run.id);
      if (!items) return;
      for (const app::BatchItemRow& item : *items) {
        if (item.status == "pending") pending.emplace_back(item.id, item.path);
      }
      return;
    }
  }
  void item_done(const app::BatchItemRow& item, int64_t done, int64_t all) {
    run_id = item.run_id;
    finished = done;
    total = all;
    const int64_t item_id = item.id;
    while (!pending.empty() && pending.front().first <= item_id) pending.pop_front();
  }
  QString current() const {
    return pending.empty() ? QString() : QString::fromStdString(pending.front().second);
  }
};

Result<void> write_output(const QString& path, const std::string& text) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
    return make_error(Errc::io_error,
                      "could not write the results to {}: {}; choose another output file and "
                      "export the run from the library",
                      path.toStdString(), file.errorString().toStdString());
  }
  return {};
}

}  // namespace

QString item_excerpt(const app::BatchItemRow& item, int max_chars) {
  QString text = QString::fromStdString(item.status == "done" ? item.answer : item.error);
  text = text.simplified();
  if (text.size() > max_chars) text = text.left(std::max(0, max_chars - 1)) + QChar(0x2026);
  return text;
}

// The worker state kept between jobs. Each job runs on its own JobRunner thread, one after the
// other, so the Session passes between threads without ever being used by two at once; the
// Database belongs to one thread, so every job opens its own.
struct BatchRunner::Worker {
  std::unique_ptr<engine::Session> session;
  QString model_path;  // what `session` runs, and with which settings
  AppSettings settings;
};

BatchRunner::BatchRunner(std::filesystem::path database, std::filesystem::path snapshots_dir,
                         QObject* parent)
    : QObject(parent),
      database_(std::move(database)),
      snapshots_dir_(std::move(snapshots_dir)),
      worker_(std::make_shared<Worker>()) {}

BatchRunner::~BatchRunner() { shutdown(); }

void BatchRunner::set_model(const QString& gguf_path, const AppSettings& settings) {
  model_path_ = gguf_path;
  settings_ = settings;
}

bool BatchRunner::start(const BatchJob& job) {
  if (running_ || shut_down_) return false;
  running_ = true;
  runner_.submit([this, w = worker_, job, model = model_path_,
                  settings = settings_](std::stop_token stop) {
    run_job(*w, job, model, settings, stop);
  });
  return true;
}

void BatchRunner::list_unfinished() {
  runner_.submit([this](std::stop_token) {
    QList<app::BatchRunRow> out;
    auto db = app::Database::open(database_);
    if (!db) {
      return runner_.post([this, m = QString::fromStdString(db.error().message)] {
        emit failed(m);
      });
    }
    auto runs = app::BatchRepo(*db).list_runs();
    if (!runs) {
      return runner_.post([this, m = QString::fromStdString(runs.error().message)] {
        emit failed(m);
      });
    }
    for (app::BatchRunRow& run : *runs) {
      if (run.status != "done") out << std::move(run);
    }
    runner_.post([this, out] { emit unfinishedRuns(out); });
  });
}

void BatchRunner::stop() {
  if (running_) runner_.cancel_all();
}

void BatchRunner::shutdown() {
  shut_down_ = true;
  runner_.shutdown();
}

// Worker thread. Touches `w` and the immutable paths only; everything for the GUI is posted.
void BatchRunner::run_job(Worker& w, const BatchJob& job, const QString& model_path,
                          const AppSettings& settings, std::stop_token stop) {
  const auto fail = [this](const QString& message) {
    runner_.post([this, message] {
      running_ = false;
      emit failed(message);
    });
  };
  if (model_path.isEmpty()) {
    return fail(tr("No model is chosen. Pick a GGUF model in Model > Manage Models."));
  }
  auto format = app::parse_export_format(job.format.toStdString());
  if (!format) return fail(QString::fromStdString(format.error().message));
  auto policy = overflow_policy(settings);
  if (!policy) return fail(QString::fromStdString(policy.error().message));
  auto db = app::Database::open(database_);
  if (!db) return fail(QString::fromStdString(db.error().message));
  if (!w.session || w.model_path != model_path || !(w.settings == settings)) {
    w.session.reset();  // frees the old KV cache before the new one is allocated
    auto config = session_config(settings);
    if (!config) return fail(QString::fromStdString(config.error().message));
    auto model = engine::Model::load(model_path.toStdString());
    if (!model) return fail(QString::fromStdString(model.error().message));
    auto session = engine::Session::create(std::move(*model), *config);
    if (!session) return fail(QString::fromStdString(session.error().message));
    w.session = std::move(*session);
    w.model_path = model_path;
    w.settings = settings;
  }

  app::BatchRequest request;
  request.folder = job.folder.toStdString();
  for (const QString& q : job.questions) request.questions.push_back(q.toStdString());
  if (job.resume_run) request.resume_run = *job.resume_run;
  request.new_run = job.new_run;
  request.ask.overflow = *policy;
  request.ask.max_tokens = job.max_tokens > 0 ? job.max_tokens : 1;

  InFlight in_flight;
  app::BatchCallbacks callbacks;
  callbacks.progress = [this](const ProgressUpdate& u) {
    runner_.post([this, u] { emit progressChanged(u); });
  };
  callbacks.document_progress = [this, &db, &in_flight](const ProgressUpdate& u) {
    if (!in_flight.loaded) in_flight.load(*db);
    runner_.post([this, path = in_flight.current(), u] { emit documentProgress(path, u); });
  };
  callbacks.on_item = [this, &in_flight](const app::BatchItemRow& item, int64_t done,
                                         int64_t total) {
    in_flight.item_done(item, done, total);
    runner_.post([this, item, done, total] { emit itemFinished(item, done, total); });
  };
  callbacks.on_notice = [this](std::string_view text) {
    runner_.post([this, t = QString::fromUtf8(text.data(), qsizetype(text.size()))] {
      emit notice(t);
    });
  };
  auto result = app::run_batch(*db, snapshots_dir_, *w.session, request, stop, callbacks);
  if (!result) {
    if (result.error().code == Errc::cancelled) {
      // The app core's message names quire-cli's --resume; the GUI resumes from its list.
      const QString m =
          in_flight.run_id == 0
              ? tr("The batch was stopped before its first document was read.")
          : in_flight.total > 0
              ? tr("Run %1 stopped with %2 of %3 items answered; choose it under Unfinished runs "
                   "and press Resume to finish it.")
                    .arg(in_flight.run_id).arg(in_flight.finished).arg(in_flight.total)
              : tr("Run %1 stopped; choose it under Unfinished runs and press Resume to finish it.")
                    .arg(in_flight.run_id);
      return runner_.post([this, m] {
        running_ = false;
        emit stopped(m);
      });
    }
    return fail(gui_error_message(result.error(), settings, request.ask.max_tokens));
  }
  BatchSummary summary{result->run.id,   result->resumed,  result->total_items,
                       result->done_before, result->answered, result->failed, QString()};
  if (!job.output.isEmpty()) {
    auto exported = app::load_batch_export(*db, result->run.id);
    if (!exported) return fail(QString::fromStdString(exported.error().message));
    if (auto written = write_output(job.output, app::export_batch(*exported, *format));
        !written) {
      return fail(QString::fromStdString(written.error().message));
    }
    summary.output = job.output;
  }
  runner_.post([this, summary] {
    running_ = false;
    emit finished(summary);
  });
}

}  // namespace quire::ui
