// kern::cpu::detail::sgemm_nt (contract in sgemm_pool.h).
// Algorithm: one single-threaded OpenBLAS SGEMM per pool thread on a contiguous block of rows
// (M) or of weight rows (N), whichever split re-packs the smaller operand; blocks are multiples
// of 16 rows so OpenBLAS's 16-wide kernels see few edge tiles.
// Parallelization: Exec::pool, one part per thread (grain 1), so the parts are equal work.
// Numerics: OpenBLAS's float accumulation, per element the same as one whole-matrix call.
#include "kernels/cpu/sgemm_pool.h"

#include <cblas.h>

#include <algorithm>
#include <mutex>

#include "kernels/thread_pool.h"

namespace kern::cpu::detail {
namespace {

constexpr int64_t kAlign = 16;        // part sizes are multiples of this many rows
constexpr int64_t kMinPartRows = 32;  // below this a part is not worth a hand-off

void sgemm_block(float* C, const float* A, const float* B, int64_t M, int64_t N, int64_t K,
                 int64_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), 1.0f, A,
              static_cast<blasint>(K), B, static_cast<blasint>(K), 0.0f, C,
              static_cast<blasint>(ldc));
}

}  // namespace

void sgemm_nt(const Exec& ex, float* C, const float* A, const float* B, int64_t M, int64_t N,
              int64_t K, int64_t ldc) {
  static std::once_flag single_threaded;
  std::call_once(single_threaded, [] { openblas_set_num_threads(1); });
  const bool split_m = N <= M;
  const int64_t extent = split_m ? M : N;
  const int64_t threads = ex.pool != nullptr ? ex.pool->size() : 1;
  const int64_t parts = std::clamp<int64_t>(extent / kMinPartRows, 1, threads);
  if (parts == 1) {
    sgemm_block(C, A, B, M, N, K, ldc);
    return;
  }
  const int64_t step = (extent + parts * kAlign - 1) / (parts * kAlign) * kAlign;
  ex.pool->parallel_for(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t lo = p * step, hi = std::min(extent, lo + step);
      if (lo >= hi) continue;
      if (split_m) {
        sgemm_block(C + lo * ldc, A + lo * K, B, hi - lo, N, K, ldc);
      } else {
        sgemm_block(C + lo, A, B + lo * K, M, hi - lo, K, ldc);
      }
    }
  });
}

}  // namespace kern::cpu::detail
