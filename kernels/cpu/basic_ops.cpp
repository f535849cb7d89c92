// kern::cpu basic ops.
// Algorithm: matmul is OpenBLAS SGEMM (C = A * B^T, row-major; cpu/sgemm_pool.h); rms_norm and softmax are
// row-wise two-pass loops, swiglu and add element-wise loops, written so that the compiler
// vectorizes the inner loops (swiglu and add treat each element as a one-element "row").
// Parallelization: rows are split over Exec::pool, GEMM parts too (OpenBLAS single-threaded).
// Numerics: float accumulation (vectorized, so summation order differs from ref; tests allow
// a relative tolerance of a few ulps times sqrt(n)). softmax subtracts the row max. swiglu
// uses fast_exp (a few ulp, vectorizes; fast_exp.h) as a libm call per element kept it scalar.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/avx2_clones.h"
#include "kernels/cpu/fast_exp.h"
#include "kernels/cpu/parallel_rows.h"
#include "kernels/cpu/sgemm_pool.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {

// Element-wise and row-wise ops are cheap per element: chunks of ~16k elements pay for a
// hand-off to a worker.
constexpr int64_t kMinChunk = 16384;

// gate[i] = silu(gate[i]) * up[i] for i < n.
QUIRE_AVX2_CLONES
void swiglu_span(float* __restrict gate, const float* __restrict up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + fast_exp(-gate[i])) * up[i];
}

}  // namespace

void matmul(const Exec& ex, float* C, const float* A, const float* B, int64_t M, int64_t N,
            int64_t K) {
  detail::sgemm_nt(ex, C, A, B, M, N, K, N);
}

void rms_norm(const Exec& ex, float* y, const float* x, const float* w, int64_t rows, int64_t n,
              float eps) {
  detail::parallel_rows(ex, rows, n, [=](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      float sum_sq = 0.0f;
      for (int64_t i = 0; i < n; ++i) sum_sq += xr[i] * xr[i];
      const float scale = 1.0f / std::sqrt(sum_sq / float(n) + eps);
      for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * scale * w[i];
    }
  }, kMinChunk);
}

void softmax(const Exec& ex, float* x, int64_t rows, int64_t n) {
  detail::parallel_rows(ex, rows, n, [=](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* xr = x + r * n;
      const float max = *std::max_element(xr, xr + n);
      float sum = 0.0f;
      for (int64_t i = 0; i < n; ++i) {
        xr[i] = std::exp(xr[i] - max);
        sum += xr[i];
      }
      const float inv = 1.0f / sum;
      for (int64_t i = 0; i < n; ++i) xr[i] *= inv;
    }
  }, kMinChunk);
}

void swiglu(const Exec& ex, float* gate, const float* up, int64_t n) {
  detail::parallel_rows(ex, n, 16, [=](int64_t begin, int64_t end) {
    swiglu_span(gate + begin, up + begin, end - begin);
  }, kMinChunk);
}

void add(const Exec& ex, float* y, const float* x, int64_t n) {
  detail::parallel_rows(ex, n, 1, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] += x[i];
  }, kMinChunk);
}

}  // namespace kern::cpu
