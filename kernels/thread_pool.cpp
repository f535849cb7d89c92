#include "kernels/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace kern {

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
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping_ and drained
      task = std::move(queue_.front());
      queue_.pop_front();
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
  for (int i = 0; i < helpers; ++i) enqueue(run);
  run();
  std::unique_lock lock(state->mutex);
  state->done.wait(lock, [&] { return state->finished.load() == n_chunks; });
}

}  // namespace kern
