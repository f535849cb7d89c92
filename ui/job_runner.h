// JobRunner: runs long jobs (ingestion, loading) one after another on a worker thread owned by a
// controller, so the GUI thread never blocks on them.
//
// Threads: submit(), cancel_all(), shutdown() and busy() are GUI-thread only. A job runs on the
// worker thread and receives a std::stop_token; it hands results back with post(), which queues
// the function onto the runner's (GUI) thread. Posted functions whose runner has died are dropped
// by Qt, so a job never touches a destroyed controller.
// Cancellation: cancel_all() drops the queued jobs and requests stop on the running one; the job
// is expected to return soon (extract() and DocumentRepo::ingest() check the token).
// Shutdown: the destructor (and shutdown()) cancels and joins, so closing the window waits for
// the worker to unwind instead of killing it half-way through a database transaction.
#pragma once

#include <QObject>

#include <deque>
#include <functional>
#include <stop_token>
#include <thread>

namespace quire::ui {

class JobRunner : public QObject {
  Q_OBJECT

 public:
  using Job = std::function<void(std::stop_token)>;

  explicit JobRunner(QObject* parent = nullptr);
  ~JobRunner() override;
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues `job`; it starts when the jobs before it have finished.
  void submit(Job job);
  // Runs `fn` on this runner's thread (the GUI thread) later. Callable from any thread.
  void post(std::function<void()> fn);
  void cancel_all();
  // Cancels and waits for the running job to return. Afterwards submit() does nothing.
  void shutdown();
  bool busy() const { return running_ || !queue_.empty(); }

 signals:
  // The last queued job has finished (or was cancelled) and nothing is left to run.
  void idle();

 private:
  void start_next();
  void job_done();

  std::deque<Job> queue_;
  std::jthread worker_;
  bool running_ = false;
  bool shut_down_ = false;
};

}  // namespace quire::ui
