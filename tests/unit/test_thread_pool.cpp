#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <numeric>
#include <vector>

#include "kernels/thread_pool.h"

namespace kern {
namespace {

TEST(ThreadPool, ParallelForCoversEveryIndexExactlyOnce) {
  ThreadPool pool(4);
  for (int64_t n : {0, 1, 7, 64, 1000, 4097}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    pool.parallel_for(n, 3, [&](int64_t begin, int64_t end) {
      ASSERT_LE(begin, end);
      for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << n << " " << i;
  }
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3);
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  pool.parallel_for(3, 1, [&](int64_t, int64_t) {
    const int now = inside.fetch_add(1) + 1;
    int seen = max_inside.load();
    while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
    }
    // Hold the chunk until a second thread is inside too (bounded, so a pool that runs
    // chunks one after another fails rather than hangs).
    for (int spin = 0; spin < 2000000 && max_inside.load() < 2; ++spin) std::this_thread::yield();
    inside.fetch_sub(1);
  });
  EXPECT_GE(max_inside.load(), 2);
}

TEST(ThreadPool, NestedParallelForDoesNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallel_for(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      pool.parallel_for(100, 10, [&](int64_t b2, int64_t e2) { total.fetch_add(e2 - b2); });
    }
  });
  EXPECT_EQ(total.load(), 800);
}

TEST(ThreadPool, SubmitReturnsFutures) {
  ThreadPool pool(2);
  auto f = pool.submit([] { return 6 * 7; });
  EXPECT_EQ(f.get(), 42);
  ThreadPool serial(1);
  EXPECT_EQ(serial.submit([] { return 1; }).get(), 1);
}

// With a spin window every documented contract still holds: full coverage over many short
// calls (workers poll between them), nested calls from inside chunks, submit(), and switching
// the window off again.
TEST(ThreadPool, SpinningKeepsContracts) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.spin(), std::chrono::microseconds(0));
  pool.set_spin(std::chrono::microseconds(200));
  EXPECT_EQ(pool.spin(), std::chrono::microseconds(200));
  for (int rep = 0; rep < 300; ++rep) {
    const int64_t n = 1 + rep % 97;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << rep << " " << i;
  }
  std::atomic<int64_t> total{0};
  pool.parallel_for(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      pool.parallel_for(100, 10, [&](int64_t b2, int64_t e2) { total.fetch_add(e2 - b2); });
    }
  });
  EXPECT_EQ(total.load(), 800);
  EXPECT_EQ(pool.submit([] { return 5; }).get(), 5);
  pool.set_spin(std::chrono::microseconds(0));
  EXPECT_EQ(pool.spin(), std::chrono::microseconds(0));
  std::atomic<int64_t> after{0};
  pool.parallel_for(1000, 1, [&](int64_t b, int64_t e) { after.fetch_add(e - b); });
  EXPECT_EQ(after.load(), 1000);
}

// A pool destroyed right after work, inside a long spin window, ends (its workers leave the
// spin at once); a hang here fails by the CTest timeout.
TEST(ThreadPool, DestroysWhileSpinning) {
  for (int rep = 0; rep < 20; ++rep) {
    ThreadPool pool(3);
    pool.set_spin(std::chrono::seconds(3600));
    std::atomic<int64_t> total{0};
    pool.parallel_for(64, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
    EXPECT_EQ(total.load(), 64);
  }
}

// Spinning stops only on a burst of contention signs: kBurst within kWindowNs of the first; signs
// spread wider apart (an idle machine's occasional preemption) never add up.
TEST(ContentionMeter, OnlyABurstCounts) {
  using M = ContentionMeter;
  constexpr int64_t w = M::kWindowNs;
  M spread;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(spread.record(int64_t{i} * (w / 2 + 1)), 0) << i;

  M burst;
  const int64_t t = 5 * w;
  for (int i = 1; i < M::kBurst; ++i) EXPECT_EQ(burst.record(t + i), 0) << i;
  EXPECT_EQ(burst.record(t + w), M::kBackoffNs);  // the kBurst-th sign, still inside the window
  // The count starts afresh: the next burst needs kBurst new signs.
  for (int i = 1; i < M::kBurst; ++i) EXPECT_EQ(burst.record(t + w + i), 0) << i;
  EXPECT_NE(burst.record(t + w + M::kBurst), 0);

  // kBurst - 1 signs, then one just past the window: that one opens a new window.
  M late;
  for (int i = 1; i < M::kBurst; ++i) EXPECT_EQ(late.record(i), 0);
  EXPECT_EQ(late.record(1 + w + 1), 0);
}

// Bursts that keep coming right after each backoff double it up to kMaxBackoffNs; a burst long
// after the last backoff ended gets the short one again.
TEST(ContentionMeter, RecurringBurstsBackOffLonger) {
  using M = ContentionMeter;
  M meter;
  const auto burst_at = [&](int64_t t) {
    for (int i = 1; i < M::kBurst; ++i) EXPECT_EQ(meter.record(t + i), 0);
    return meter.record(t + M::kBurst);
  };
  int64_t t = 1'000'000;
  int64_t want = M::kBackoffNs;
  for (int round = 0; round < 8; ++round) {
    const int64_t got = burst_at(t);
    EXPECT_EQ(got, want) << "round " << round;
    t += M::kBurst + got + 1;  // the next burst just after this backoff ends
    want = std::min(2 * want, M::kMaxBackoffNs);
  }
  EXPECT_EQ(want, M::kMaxBackoffNs);
  EXPECT_EQ(burst_at(t + M::kMaxBackoffNs + M::kRecurNs), M::kBackoffNs);
}

}  // namespace
}  // namespace kern
