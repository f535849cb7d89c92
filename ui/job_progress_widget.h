// JobProgressWidget: the status-bar progress of a long job (ingest, prefill): a bar with
// done/total, the rate and the time left, and a cancel button. Hidden while no job runs.
//
// Threads: GUI thread only; updates arrive through the controllers' queued signals.
#pragma once

#include <QWidget>

#include "engine/base/progress.h"

class QLabel;
class QProgressBar;
class QToolButton;

namespace quire::ui {

class JobProgressWidget : public QWidget {
  Q_OBJECT

 public:
  explicit JobProgressWidget(QWidget* parent = nullptr);

  void show_progress(const quire::ProgressUpdate& update);
  // The job ended: hide until the next update.
  void finish();
  // The text beside the bar, e.g. "ingest: 40/120 files, 12.5 files/s, 6s left".
  QString text() const;
  QToolButton* cancel_button() const { return cancel_; }

 signals:
  void cancelRequested();

 private:
  QProgressBar* bar_;
  QLabel* label_;
  QToolButton* cancel_;
};

}  // namespace quire::ui
