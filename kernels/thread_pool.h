// A fixed-size pool of worker threads for data-parallel kernels and background jobs.
//
// Ownership and threads: the pool owns its workers; destruction waits for queued tasks to finish.
// parallel_for() may be called from any thread, including from inside a task: the caller always
// works on the range itself, so progress never depends on a free worker (no nested deadlock).
//
// Spinning: a worker that runs out of tasks normally sleeps on a condition variable, and waking
// it costs tens of microseconds. Decode runs several short parallel_for calls per layer, so the
// owner may set a spin window (set_spin): then an idle worker, and a parallel_for caller waiting
// for its helpers, first poll an atomic for at most that long before sleeping. The window is
// bounded, so an idle pool burns at most one window of CPU per thread after its last work. Keep
// it 0 (the default) while other threads need the cores (a library running its own threads) or
// when the passes are long enough that a wake-up is noise: set_spin(0) also sends threads that
// are spinning right now to sleep. On an oversubscribed machine spinning costs more than waking
// (it burns the process's CPU share while the awaited thread may be descheduled), so spinning
// turns off for the whole pool for a fraction of a second (then probes again) on a burst of signs
// of contention: a thread finding itself descheduled mid-spin, or a parallel_for running every
// chunk itself although a worker was spinning for work. One such sign alone says nothing (an idle
// machine shows one every 50-150 ms: timer ticks, kernel threads); under real oversubscription they
// come at nearly every wait (ContentionMeter).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace kern {

// Decides when signs of contention (see the file comment) are frequent enough to stop spinning,
// and for how long: a burst is kBurst signs within kWindowNs of the first. A burst stops spinning
// for kBackoffNs; one that comes within kRecurNs after the previous backoff ended (the machine is
// still oversubscribed) for twice the previous backoff, up to kMaxBackoffNs, so a persistently
// busy machine wastes little on probing while a passing one costs 100 ms. Pure logic over
// caller-given times, so it is tested without a clock. Not thread-safe; ThreadPool guards it
// with a mutex.
class ContentionMeter {
 public:
  static constexpr int kBurst = 4;
  static constexpr int64_t kWindowNs = 20'000'000;
  static constexpr int64_t kBackoffNs = 100'000'000;
  static constexpr int64_t kMaxBackoffNs = 1'600'000'000;
  static constexpr int64_t kRecurNs = 1'000'000'000;
  // Records one sign at now_ns (steady, non-decreasing). Returns how long spinning should stop
  // from now: 0 unless this sign completes a burst (the burst count then starts afresh).
  int64_t record(int64_t now_ns);

 private:
  int64_t window_start_ns_ = 0;
  int events_ = 0;
  int64_t backoff_end_ns_ = 0;  // when the last backoff ended (or ends); 0: none yet
  int64_t backoff_ns_ = 0;      // its length
};

class ThreadPool {
 public:
  // n_threads counts the caller of parallel_for as one: ThreadPool(1) starts no worker.
  // 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Total threads that take part in parallel_for (workers + the caller).
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over disjoint chunks covering [0, n), each at least `grain` long
  // (except the last), on the workers and the calling thread; returns when all chunks are done.
  // fn must not throw.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // Runs fn on a worker (on the caller when the pool has no worker) and returns its future.
  template <class F>
  auto submit(F&& fn) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
    std::future<R> result = task->get_future();
    if (workers_.empty()) {
      (*task)();
    } else {
      enqueue([task] { (*task)(); });
    }
    return result;
  }

  // How long an idle thread polls for new work before it sleeps (see the file comment); 0, the
  // default, never polls. Takes effect at once, also for threads spinning now. Any thread may
  // call it; it only changes speed, never results.
  void set_spin(std::chrono::microseconds window) {
    spin_ns_.store(std::chrono::nanoseconds(window).count(), std::memory_order_relaxed);
  }
  std::chrono::microseconds spin() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::nanoseconds(spin_ns_.load(std::memory_order_relaxed)));
  }

 private:
  void enqueue(std::function<void()> task);
  void worker_loop();
  // Polls until ready() is true, the spin window has passed or set_spin(0) was called; returns
  // ready()'s last value.
  template <class Ready>
  bool spin_until(Ready&& ready);
  // Records a sign of contention; turns spinning off for a while when it completes a burst (the
  // machine has more runnable threads than cores; ContentionMeter says how long).
  void note_contention();

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::atomic<int64_t> queued_{0};  // queue_.size(), readable without the mutex by spinners
  std::atomic<int64_t> spin_ns_{0};
  // steady_clock ns before which nobody spins: set when a spinning thread finds it was
  // descheduled (the machine has more runnable threads than cores).
  std::atomic<int64_t> no_spin_until_ns_{0};
  std::atomic<int> spinning_{0};  // workers polling for tasks now
  std::mutex contention_mutex_;   // guards contention_ (taken only on a sign of contention)
  ContentionMeter contention_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace kern
