// Internal to kern::cpu: the row split every data-parallel kernel uses.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern::cpu::detail {

// Calls fn(begin, end) over disjoint chunks covering [0, rows), on ex.pool when there is one (the
// caller takes part; ThreadPool::parallel_for), else once on the calling thread. row_cost is a
// row's work in multiply-adds (or elements); chunks carry at least min_chunk_cost of it so that
// a hand-off to a worker pays for itself.
template <class Fn>
void parallel_rows(const Exec& ex, int64_t rows, int64_t row_cost, Fn&& fn,
                   int64_t min_chunk_cost = 65536) {
  const int64_t grain = std::max<int64_t>(1, min_chunk_cost / std::max<int64_t>(row_cost, 1));
  if (ex.pool == nullptr) {
    fn(int64_t{0}, rows);
  } else {
    ex.pool->parallel_for(rows, grain, fn);
  }
}

}  // namespace kern::cpu::detail
