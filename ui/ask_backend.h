// AskBackend: the real AnswerBackend. Questions about the open document go through the ask job
// (app/analysis/ask.h) on the backend's own worker QThread, which owns a Database connection,
// the loaded model and its engine::Session. The model is loaded on the first question and kept
// for the next ones (reloaded only when the model file or the engine settings change), so a
// second question about the same document restores the document's KV snapshot instead of
// prefilling it again.
//
// Threads: every public method is GUI-thread only. The worker reaches the GUI thread only by
// queued calls onto this object, so every signal (the AnswerBackend ones and those below) is
// emitted on the GUI thread, and none arrives after the backend is destroyed.
// Cancellation: stop() requests stop on the running question's std::stop_source; the job then
// ends soon (between prefill chunks or decode steps) with finished(true).
// Shutdown: shutdown() (and the destructor) stops the running question and waits for the worker
// to unwind, so closing the window never leaves a half-written session in the store.
#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

#include "engine/base/progress.h"
#include "ui/answer_backend.h"
#include "ui/app_settings.h"
#include "ui/progress_metatype.h"

namespace quire::ui {

// What the store keeps of an answer that finished, for the attention view and exports.
struct AnswerRecord {
  qint64 session_id = 0;
  qint64 message_id = 0;      // the assistant message
  qint64 span_report_id = 0;
  bool restored_from_snapshot = false;
  qint64 context_tokens = 0;
  qint64 prefill_tokens = 0;  // suffix only when restored_from_snapshot
  qint64 answer_tokens = 0;
};

class AskBackend : public AnswerBackend {
  Q_OBJECT

 public:
  // database: the store (app::Paths::database()); snapshots_dir: where KV snapshots go
  // (app::Paths::snapshots_dir()). Both are opened on the worker, on the first question.
  AskBackend(std::filesystem::path database, std::filesystem::path snapshots_dir,
             QObject* parent = nullptr);
  ~AskBackend() override;
  AskBackend(const AskBackend&) = delete;
  AskBackend& operator=(const AskBackend&) = delete;

  // The GGUF file and engine settings of the next questions. Takes effect at the next start():
  // the worker reloads the model only if either differs from what it holds.
  void set_model(const QString& gguf_path, const AppSettings& settings);
  QString model_path() const { return model_path_; }
  // The files or code folders questions are about (the open document); empty: start() fails.
  void set_documents(const QStringList& paths);
  // Answer tokens at most per question (> 0).
  void set_max_tokens(int max_tokens) { max_tokens_ = max_tokens > 0 ? max_tokens : 1; }

  void start(const QString& question) override;
  void stop() override;
  bool busy() const { return running_; }
  // Stops the running question and waits for the worker thread to end. Afterwards start()
  // fails at once. Called by the destructor; safe to call twice.
  void shutdown();

 signals:
  // Prefill (and ingest) progress of the running question; progressEnded when it is over.
  void progressChanged(const quire::ProgressUpdate& update);
  void progressEnded();
  // A note for the person (overflow, a snapshot that could not be used).
  void notice(const QString& text);
  // The answer was stored; emitted just before finished(false).
  void answerStored(const quire::ui::AnswerRecord& record);

 private:
  struct Worker;  // the worker thread's state: database, model, session
  struct Job;

  void run_job(const Job& job, std::stop_token stop);
  void post(std::function<void()> fn);

  std::filesystem::path database_;
  std::filesystem::path snapshots_dir_;
  QString model_path_;
  AppSettings settings_;
  QStringList documents_;
  int max_tokens_ = 256;
  QThread thread_;
  QObject* context_ = nullptr;          // lives on thread_; queued jobs run in its event loop
  std::unique_ptr<Worker> worker_;      // touched by the worker thread only while it runs
  std::optional<std::stop_source> stop_;
  bool running_ = false;
  bool shut_down_ = false;
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(quire::ui::AnswerRecord)
