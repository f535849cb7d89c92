#include "ui/screenshot_tour.h"

#include <QLineEdit>
#include <QPixmap>
#include <QTimer>

#include <utility>

#include "engine/base/log.h"
#include "ui/chat_panel.h"
#include "ui/document_view.h"
#include "ui/main_window.h"
#include "ui/pdf_view.h"
#include "ui/settings_dialog.h"

namespace quire::ui {
namespace {

// Long enough for a page to render and the window system to deliver the paint.
constexpr int kSettleMs = 700;

}  // namespace

ScreenshotTour::ScreenshotTour(MainWindow* window, QDir folder, QString find_text,
                               QString question)
    : QObject(window),
      window_(window),
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
      window_->chat_panel()->ask(question_);
    });
    steps_.push_back([this] { grab(QStringLiteral("04-chat.png"), window_); });
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
  QTimer::singleShot(kSettleMs, this, &ScreenshotTour::next);
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
