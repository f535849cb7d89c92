// BatchRunner: the batch job (app/analysis/batch.h: every question asked of every document of a
// folder, each answer stored in SQLite, resumable) on a worker thread, for the batch dialog.
// Each job opens its own Database connection; the model is loaded (with its engine::Session) on
// the first batch and kept for the next (reloaded only when the model file or the engine settings
// change). When a run ends, its results are written to the chosen output
// file (app/analysis/export.h; QSaveFile, so the file is replaced whole or not at all).
//
// Threads: every public method is GUI-thread only. The worker reaches the GUI thread only by
// queued calls onto this object's JobRunner, so every signal is emitted on the GUI thread and
// none arrives after the runner is destroyed.
// Cancellation: stop() ends the running batch soon (between prefill chunks or decode steps); the
// run is left "cancelled" with the item in flight pending, so it can be resumed.
// Shutdown: shutdown() (and the destructor) stops the batch and waits for the worker to unwind.
#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>

#include "app/store/batch_repo.h"
#include "ui/app_settings.h"
#include "ui/job_runner.h"
#include "ui/progress_metatype.h"

namespace quire::ui {

// One batch to run: a new one over `folder` x `questions`, or the unfinished run `resume_run`
// (folder and questions may then be empty: the run keeps its own).
struct BatchJob {
  QString folder;
  QStringList questions;
  std::optional<qint64> resume_run;
  bool new_run = false;       // never resume a matching unfinished run automatically
  QString output;             // file the results go to when the run ends; empty: none
  QString format = QStringLiteral("csv");  // csv | jsonl | md
  int max_tokens = 256;       // answer tokens at most per item (> 0)
};

// How a batch ended well (every item has an outcome).
struct BatchSummary {
  qint64 run_id = 0;
  bool resumed = false;
  qint64 total_items = 0;
  qint64 done_before = 0;  // items with an outcome before this call
  qint64 answered = 0;     // items answered by this call
  qint64 failed = 0;       // items failed by this call
  QString output;          // the file written; empty when none was asked for
};

// What the item tables show of an item: its answer when done, else its error, on one line and
// cut to `max_chars` (with an ellipsis).
QString item_excerpt(const app::BatchItemRow& item, int max_chars);

class BatchRunner : public QObject {
  Q_OBJECT

 public:
  // database: the store (app::Paths::database()); snapshots_dir: where KV snapshots go. Both are
  // opened on the worker, when a job needs them.
  BatchRunner(std::filesystem::path database, std::filesystem::path snapshots_dir,
              QObject* parent = nullptr);
  ~BatchRunner() override;
  BatchRunner(const BatchRunner&) = delete;
  BatchRunner& operator=(const BatchRunner&) = delete;

  // The GGUF file and settings (engine settings and overflow policy) of the next batches.
  void set_model(const QString& gguf_path, const AppSettings& settings);
  QString model_path() const { return model_path_; }
  const AppSettings& settings() const { return settings_; }

  // Starts `job`: progress and itemFinished() signals, then exactly one of finished(), stopped()
  // or failed(). false (and nothing starts) while a batch runs (busy()) or after shutdown().
  bool start(const BatchJob& job);
  // Lists the runs that are not done (newest first) on the worker; unfinishedRuns() follows.
  void list_unfinished();
  void stop();
  bool busy() const { return running_; }
  // Stops the batch and waits for the worker to end. Afterwards start() does nothing.
  void shutdown();

 signals:
  // Items done/total of this call's pending items (stage "batch", unit "items").
  void progressChanged(const quire::ProgressUpdate& update);
  // Ingest and prefill of the item in flight; `path` is its document.
  void documentProgress(const QString& path, const quire::ProgressUpdate& update);
  // An item's outcome was stored; `finished` counts the run's items with an outcome.
  void itemFinished(const quire::app::BatchItemRow& item, qint64 finished, qint64 total);
  void notice(const QString& text);
  void finished(const quire::ui::BatchSummary& summary);
  // Stopped by stop() or shutdown(); `message` names the run and how to resume it.
  void stopped(const QString& message);
  void failed(const QString& message);
  void unfinishedRuns(const QList<quire::app::BatchRunRow>& runs);

 private:
  struct Worker;  // the worker's state kept between jobs: model and session

  // Worker thread: runs one batch with the model and settings captured at start().
  void run_job(Worker& w, const BatchJob& job, const QString& model_path,
               const AppSettings& settings, std::stop_token stop);

  std::filesystem::path database_;
  std::filesystem::path snapshots_dir_;
  QString model_path_;
  AppSettings settings_;
  bool running_ = false;
  bool shut_down_ = false;
  std::shared_ptr<Worker> worker_;  // touched by the worker thread only
  JobRunner runner_;                // last: joined first, before the state its jobs touch
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(quire::ui::BatchSummary)
Q_DECLARE_METATYPE(quire::app::BatchItemRow)
Q_DECLARE_METATYPE(quire::app::BatchRunRow)
