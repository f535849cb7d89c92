// BatchRunView: one stored batch run in the main window's centre (chosen in the library
// sidebar): its name, folder, status and counts, a table of its items (document, question,
// status, answer excerpt or error; the whole answer as the tooltip) and Export, which opens the
// ExportDialog for the run (Markdown, HTML, JSON, JSON Lines, CSV).
//
// Threads: GUI thread only. The run is read on the view's JobRunner worker (own Database
// connection); a newer show_run() supersedes an older one still loading.
#pragma once

#include <QString>
#include <QWidget>

#include <filesystem>

#include "app/analysis/export.h"
#include "ui/job_runner.h"

class QLabel;
class QPushButton;
class QTableWidget;

namespace quire::ui {

class BatchRunView : public QWidget {
  Q_OBJECT

 public:
  explicit BatchRunView(std::filesystem::path database, QWidget* parent = nullptr);

  // Reads run `run_id` and shows it; runShown() or loadFailed() follows.
  void show_run(qint64 run_id);
  // Opens the export dialog for the shown run (modal); does nothing before a run is shown.
  void export_run();
  void shutdown() { runner_.shutdown(); }

  qint64 run_id() const { return run_id_; }
  QString summary_text() const;
  QTableWidget* items_table() const { return items_; }
  QPushButton* export_button() const { return export_; }

 signals:
  void runShown(qint64 run_id);
  void loadFailed(const QString& message);

 private:
  void show_export(const app::BatchExport& run);

  std::filesystem::path database_;
  qint64 run_id_ = 0;
  QLabel* summary_;
  QTableWidget* items_;
  QPushButton* export_;
  JobRunner runner_;  // last: joined first, before the widgets its posts touch
};

}  // namespace quire::ui
