#include "kernels/thread_pool.h"

#include <algorithm>
#include <memory>

namespace kern {
namespace {

// One polling step: tells the core (and a hyper-threaded sibling) that this is a spin loop.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One round of 64 polls takes a few microseconds; a round that took this long means the thread
// was descheduled in between.
constexpr int64_t kPreemptedNs = 50'000;
// A parallel_for caller that worked this long alone while a worker was spinning for work.
constexpr int64_t kStarvedNs = 20'000;

}  // namespace

int64_t ContentionMeter::record(int64_t now_ns) {
  if (events_ == 0 || now_ns - window_start_ns_ > kWindowNs) {
    window_start_ns_ = now_ns;
    events_ = 0;
  }
  if (++events_ < kBurst) return 0;
  events_ = 0;
  const bool recurring = backoff_end_ns_ != 0 && now_ns - backoff_end_ns_ < kRecurNs;
  backoff_ns_ = recurring ? std::min(2 * backoff_ns_, kMaxBackoffNs) : kBackoffNs;
  backoff_end_ns_ = now_ns + backoff_ns_;
  return backoff_ns_;
}

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) {
    n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  workers_.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) {
    workers_.emplace_back([this] { worker_loop(); });
  }
}

ThreadPool::~ThreadPool() {
  set_spin(std::chrono::microseconds(0));
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

template <class Ready>
bool ThreadPool::spin_until(Ready&& ready) {
  const int64_t window = spin_ns_.load(std::memory_order_relaxed);
  if (window <= 0) return ready();
  const int64_t start = now_ns();
  if (start < no_spin_until_ns_.load(std::memory_order_relaxed)) return ready();
  const int64_t deadline = start + window;
  for (int64_t last = start;;) {
    // Reading the clock costs ~20 ns; check it once per 64 polls (~1-2 us of pause).
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (spin_ns_.load(std::memory_order_relaxed) <= 0) return ready();
    const int64_t now = now_ns();
    if (now - last > kPreemptedNs) {
      // The scheduler took the core away mid-spin: once in a while on any machine, at nearly
      // every wait when there are more runnable threads than cores. Spinning then only burns this
      // process's share of the CPU (and the thread it waits for may not be running at all).
      note_contention();
      return ready();
    }
    if (now >= deadline) return ready();
    last = now;
  }
}

void ThreadPool::note_contention() {
  const int64_t now = now_ns();
  std::lock_guard lock(contention_mutex_);
  if (const int64_t backoff = contention_.record(now); backoff > 0) {
    no_spin_until_ns_.store(now + backoff, std::memory_order_relaxed);
  }
}

void ThreadPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
    queued_.store(static_cast<int64_t>(queue_.size()), std::memory_order_release);
  }
  cv_.notify_one();  // no system call when every worker is awake (spinning or busy)
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && !stopping_ && spin_ns_.load(std::memory_order_relaxed) > 0) {
        lock.unlock();
        spinning_.fetch_add(1, std::memory_order_relaxed);
        spin_until([this] { return queued_.load(std::memory_order_acquire) > 0; });
        spinning_.fetch_sub(1, std::memory_order_relaxed);
        lock.lock();
      }
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping_ and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(static_cast<int64_t>(queue_.size()), std::memory_order_relaxed);
    }
    task();
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = (n + grain - 1) / grain;
  const int64_t n_chunks = std::min<int64_t>(max_chunks, static_cast<int64_t>(size()) * 4);
  if (n_chunks <= 1 || workers_.empty()) {
    fn(0, n);
    return;
  }
  // Shared by the helpers, which may start after this call returned (they then find no chunk
  // left), so it lives on the heap rather than on this frame. `fn` is only touched while a chunk
  // is claimed, which cannot happen after the last chunk finished.
  struct State {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> finished{0};
    std::mutex mutex;
    std::condition_variable done;
  };
  auto state = std::make_shared<State>();
  const int64_t chunk = (n + n_chunks - 1) / n_chunks;
  auto run = [state, chunk, n, n_chunks, &fn] {
    for (;;) {
      const int64_t c = state->next.fetch_add(1);
      if (c >= n_chunks) return;
      const int64_t begin = c * chunk;
      const int64_t end = std::min(n, begin + chunk);
      if (begin < end) fn(begin, end);
      if (state->finished.fetch_add(1) + 1 == n_chunks) {
        std::lock_guard lock(state->mutex);
        state->done.notify_all();
      }
    }
  };
  const int helpers = static_cast<int>(std::min<int64_t>(n_chunks - 1, workers_.size()));
  // A worker that spins reacts within a microsecond and takes a chunk while this thread runs
  // the first; when one was spinning and took none during kStarvedNs of work here, it did not
  // get a core (see spin_until).
  const bool awaited = spinning_.load(std::memory_order_relaxed) > 0;
  const int64_t start = awaited ? now_ns() : 0;
  for (int i = 0; i < helpers; ++i) enqueue(run);
  int64_t own = 0;
  for (;;) {
    const int64_t c = state->next.fetch_add(1);
    if (c >= n_chunks) break;
    ++own;
    const int64_t begin = c * chunk;
    const int64_t end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
    state->finished.fetch_add(1);
  }
  if (awaited && own == n_chunks && now_ns() - start > kStarvedNs) note_contention();
  const auto all_done = [&] { return state->finished.load(std::memory_order_acquire) == n_chunks; };
  if (spin_until(all_done)) return;
  std::unique_lock lock(state->mutex);
  state->done.wait(lock, all_done);
}

}  // namespace kern
