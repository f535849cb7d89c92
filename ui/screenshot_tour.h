// ScreenshotTour: for `quire --screenshot DIR` (tests/ui/screenshots.sh). Once the document
// given on the command line is shown, it walks through the main views and writes one PNG per
// view into DIR, then closes the window: 01-document.png, 02-find.png (when a find text is
// given), 03-zoom.png (PDFs, zoomed in twice), 04-chat.png (the question typed and asked),
// 05-settings.png.
// A person looks at them; nothing compares them automatically.
//
// Threads: GUI thread only; steps are spaced by timers so that each view has painted.
#pragma once

#include <QDir>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace quire::ui {

class MainWindow;
class SettingsDialog;

class ScreenshotTour : public QObject {
  Q_OBJECT

 public:
  // `window` is borrowed. find_text and question may be empty (their steps are skipped).
  ScreenshotTour(MainWindow* window, QDir folder, QString find_text, QString question);

  // Starts when the window shows a document, or after `timeout_ms` without one (a screenshot of
  // whatever is shown then, and the status bar's message, is still useful).
  void start(int timeout_ms);
  // The files written so far.
  const QStringList& written() const { return written_; }

 signals:
  void done();

 private:
  void begin();
  void next();
  void grab(const QString& name, QWidget* widget);

  MainWindow* window_;
  QDir folder_;
  QString find_text_;
  QString question_;
  bool started_ = false;
  std::vector<std::function<void()>> steps_;
  size_t step_ = 0;
  SettingsDialog* settings_ = nullptr;  // the settings dialog while its step shows it
  QStringList written_;
};

}  // namespace quire::ui
