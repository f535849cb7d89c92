// ScreenshotTour: for `quire --screenshot DIR` (tests/ui/screenshots.sh). Once the document
// given on the command line is shown, it walks through the main views and writes one PNG per
// view into DIR, then closes the window: 01-document.png, 02-find.png (when a find text is
// given), 03-zoom.png (PDFs, zoomed in twice), 04-chat.png (the question typed and asked, taken
// once the answer has ended), 05-settings.png, 06-attention.png (the attention dock: the span
// report of that answer), 07-models.png (the model manager), 08-export.png (the export dialog),
// 09-batch.png (the batch dialog once a batch over the batch folder, when one is given, has
// ended; its questions are the tour's question).
// A person looks at them; nothing compares them automatically.
//
// Threads: GUI thread only; steps are spaced by timers so that each view has painted.
#pragma once

#include <QDir>
#include <QObject>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <functional>
#include <vector>

namespace quire::ui {

class MainWindow;
class SettingsDialog;

class ScreenshotTour : public QObject {
  Q_OBJECT

 public:
  // `window` is borrowed; `database` is its store (for the export dialog). find_text and
  // question may be empty (their steps are skipped).
  ScreenshotTour(MainWindow* window, std::filesystem::path database, QDir folder,
                 QString find_text, QString question);

  // A folder of documents for the batch dialog's step; empty: the step is skipped.
  void set_batch_folder(const QString& folder) { batch_folder_ = folder; }
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
  // Holds the tour until the chat's answer ends (or a timeout), then goes on.
  void wait_for_answer();
  // Runs the batch dialog over batch_folder_ and holds the tour until the batch ends.
  void run_batch();

  MainWindow* window_;
  std::filesystem::path database_;
  QDir folder_;
  QString find_text_;
  QString question_;
  QString batch_folder_;
  bool started_ = false;
  std::vector<std::function<void()>> steps_;
  size_t step_ = 0;
  SettingsDialog* settings_ = nullptr;  // the settings dialog while its step shows it
  QWidget* dialog_ = nullptr;           // the models or export dialog while its step shows it
  bool waiting_ = false;                // for an answer: next() schedules nothing meanwhile
  QStringList written_;
};

}  // namespace quire::ui
