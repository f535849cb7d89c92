#include "ui/screenshot_tour.h"

#include <QDockWidget>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QPixmap>
#include <QTimer>

#include <utility>

#include "engine/base/log.h"
#include "app/models/discovery.h"
#include "app/models/system_memory.h"
#include "ui/batch_dialog.h"
#include "ui/batch_runner.h"
#include "ui/chat_panel.h"
#include "ui/document_view.h"
#include "ui/export_dialog.h"
#include "ui/main_window.h"
#include "ui/model_manager_dialog.h"
#include "ui/pdf_view.h"
#include "ui/settings_dialog.h"

namespace quire::ui {
namespace {

// Long enough for a page to render and the window system to deliver the paint.
constexpr int kSettleMs = 700;
// How long the tour waits for an answer before it photographs whatever the chat shows.
constexpr int kAnswerTimeoutMs = 60000;

}  // namespace

ScreenshotTour::ScreenshotTour(MainWindow* window, std::filesystem::path database, QDir folder,
                               QString find_text, QString question)
    : QObject(window),
      window_(window),
      database_(std::move(database)),
      folder_(std::move(folder)),
      find_text_(std::move(find_text)),
      question_(std::move(question)) {}

void ScreenshotTour::start(int timeout_ms) {
  connect(window_, &MainWindow::documentShown, this, &ScreenshotTour::begin);
  QTimer::singleShot(timeout_ms, this, &ScreenshotTour::begin);
}

void ScreenshotTour::begin() {
  if (started_) return;
  started_ = true;
  DocumentView* view = window_->document_view();
  steps_.push_back([this] { grab(QStringLiteral("01-document.png"), window_); });
  if (!find_text_.isEmpty()) {
    steps_.push_back([view, this] { view->find(find_text_); });
    steps_.push_back([this] { grab(QStringLiteral("02-find.png"), window_); });
  }
  if (view->showing_pages()) {
    steps_.push_back([view] {
      view->pdf_view()->zoom_in();
      view->pdf_view()->zoom_in();
    });
    steps_.push_back([this] { grab(QStringLiteral("03-zoom.png"), window_); });
  }
  if (!question_.isEmpty()) {
    steps_.push_back([this] {
      window_->chat_panel()->question_box()->setText(question_);
      if (window_->chat_panel()->ask(question_)) wait_for_answer();
    });
    steps_.push_back([this] { grab(QStringLiteral("04-chat.png"), window_); });
  }
  steps_.push_back([this] {
    if (auto* dock = window_->findChild<QDockWidget*>(QStringLiteral("AttentionDock"))) {
      dock->show();
      dock->raise();
    }
  });
  steps_.push_back([this] { grab(QStringLiteral("06-attention.png"), window_); });
  steps_.push_back([this] {
    auto* models = new ModelManagerDialog(window_->app_settings(), window_->model_path(),
                                          app::default_discovery_options(), app::system_memory(),
                                          window_);
    models->setAttribute(Qt::WA_DeleteOnClose);
    models->show();
    dialog_ = models;
  });
  steps_.push_back([this] {
    grab(QStringLiteral("07-models.png"), dialog_);
    dialog_->close();
  });
  steps_.push_back([this] {
    // The last answer's session; without one the dialog is shown all the same (for its look).
    auto* exporter = new ExportDialog(database_, window_->last_session_id(), window_);
    exporter->setAttribute(Qt::WA_DeleteOnClose);
    exporter->show();
    dialog_ = exporter;
  });
  steps_.push_back([this] {
    grab(QStringLiteral("08-export.png"), dialog_);
    dialog_->close();
  });
  if (!batch_folder_.isEmpty()) {
    steps_.push_back([this] { run_batch(); });
    steps_.push_back([this] {
      if (!dialog_) return;
      grab(QStringLiteral("09-batch.png"), dialog_);
      dialog_->close();
    });
  }
  steps_.push_back([this] {
    settings_ = new SettingsDialog(window_->app_settings(), window_);
    settings_->setAttribute(Qt::WA_DeleteOnClose);
    settings_->show();
  });
  steps_.push_back([this] {
    grab(QStringLiteral("05-settings.png"), settings_);
    settings_->close();
  });
  steps_.push_back([this] {
    emit done();
    window_->close();
  });
  QTimer::singleShot(kSettleMs, this, &ScreenshotTour::next);
}

void ScreenshotTour::next() {
  if (step_ >= steps_.size()) return;
  steps_[step_++]();
  if (!waiting_) QTimer::singleShot(kSettleMs, this, &ScreenshotTour::next);
}

void ScreenshotTour::wait_for_answer() {
  waiting_ = true;
  const auto resume = [this] {
    if (!waiting_) return;  // the answer ended before the timeout, or the other way round
    waiting_ = false;
    QTimer::singleShot(kSettleMs, this, &ScreenshotTour::next);
  };
  connect(window_->chat_panel(), &ChatPanel::answerEnded, this, resume,
          Qt::SingleShotConnection);
  QTimer::singleShot(kAnswerTimeoutMs, this, resume);
}

void ScreenshotTour::run_batch() {
  BatchDialog* dialog = window_->open_batch_dialog();
  dialog_ = dialog;
  if (!dialog) return;
  dialog->folder_box()->setText(batch_folder_);
  dialog->questions_edit()->setPlainText(question_.isEmpty() ? tr("What is this about?")
                                                             : question_);
  dialog->max_tokens_box()->setValue(16);
  waiting_ = true;
  const auto resume = [this] {
    if (!waiting_) return;  // the batch ended before the timeout, or the other way round
    waiting_ = false;
    QTimer::singleShot(kSettleMs, this, &ScreenshotTour::next);
  };
  BatchRunner* runner = dialog->runner();
  connect(runner, &BatchRunner::finished, this, resume, Qt::SingleShotConnection);
  connect(runner, &BatchRunner::stopped, this, resume, Qt::SingleShotConnection);
  connect(runner, &BatchRunner::failed, this, resume, Qt::SingleShotConnection);
  QTimer::singleShot(kAnswerTimeoutMs, this, resume);
  if (!dialog->start()) resume();
}

void ScreenshotTour::grab(const QString& name, QWidget* widget) {
  const QString path = folder_.filePath(name);
  if (widget->grab().save(path, "PNG")) {
    written_ << path;
    log::info("screenshot: {}", path.toStdString());
  } else {
    log::warn("screenshot: could not write {}", path.toStdString());
  }
}

}  // namespace quire::ui
