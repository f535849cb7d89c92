// kern::cpu fused weight products (kernels/gemv_fused.h).
// Algorithm: for few activation rows (M < kGemvMaxRows, matmul_w's GEMV range) every weight row
// is one dot per activation row with exactly the kernel matmul_w picks for that weight (integer
// dots on activations rounded once to 8 bits per activation format, else the fused-dequantize
// float RowDot), so outputs equal separate matmul_w calls bit for bit. matmul_w_multi walks the
// concatenated rows of all its weights; matmul_w_swiglu computes rows n..n+3 of gate and of up
// together and applies silu(gate) * up while both are in L1. Larger M is prefill: the ops just
// call matmul_w (SGEMM) and swiglu one after another.
// Parallelization: one parallel_for over all rows (multi) or over N (swiglu) on Exec::pool,
// grains sized like matmul_w's (~64k multiply-adds per chunk), so one wake-up per fused op.
// Numerics: those of matmul_w's GEMV path and of cpu::swiglu (same expression, same fast_exp).
#include "kernels/gemv_fused.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/fast_exp.h"
#include "kernels/cpu/gemv_rows.h"
#include "kernels/cpu/parallel_rows.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {

constexpr int64_t kGemvMaxRows = 8;  // matmul_w's per-row GEMV range (its kGemmMinRows)

using detail::Activations;
using detail::RowKernel;

// silu(g) * u, written as cpu::swiglu writes it so that the results agree bit for bit.
inline float silu_mul(float g, float u) { return g / (1.0f + fast_exp(-g)) * u; }

}  // namespace

void matmul_w_multi(const Exec& ex, const float* A, int64_t M, int64_t K,
                    std::span<const WeightProduct> parts) {
  if (M == 0 || parts.empty()) return;
  if (M >= kGemvMaxRows || K == 0) {
    for (const WeightProduct& p : parts) matmul_w(ex, p.C, A, p.w.data, p.w.type, M, p.w.rows, K);
    return;
  }
  Activations acts(ex, A, M, K);
  std::vector<RowKernel> kernels;
  std::vector<int64_t> ends;  // ends[p]: one past part p's last row in the concatenation
  kernels.reserve(parts.size());
  ends.reserve(parts.size());
  int64_t total = 0;
  for (const WeightProduct& p : parts) {
    kernels.emplace_back(p.w, acts, M, K);
    total += p.w.rows;
    ends.push_back(total);
  }
  detail::parallel_rows(ex, total, M * K, [&](int64_t begin, int64_t end) {
    size_t p = 0;
    for (int64_t r = begin; r < end;) {
      while (r >= ends[p]) ++p;
      const int64_t rows = parts[p].w.rows;
      const int64_t n = r - (ends[p] - rows);
      const int64_t count = std::min(end, ends[p]) - r;  // this chunk's rows of part p
      kernels[p].rows(n, count, parts[p].C + n, rows);
      r += count;
    }
  });
}

void matmul_w_swiglu(const Exec& ex, float* gate, float* up, const float* A, int64_t M, int64_t K,
                     const WeightMat& w_gate, const WeightMat& w_up) {
  const int64_t N = w_gate.rows;
  if (M == 0 || N == 0) return;
  if (M >= kGemvMaxRows || K == 0) {
    matmul_w(ex, gate, A, w_gate.data, w_gate.type, M, N, K);
    matmul_w(ex, up, A, w_up.data, w_up.type, M, N, K);
    swiglu(ex, gate, up, M * N);
    return;
  }
  Activations acts(ex, A, M, K);
  const RowKernel g(w_gate, acts, M, K), u(w_up, acts, M, K);
  detail::parallel_rows(ex, N, 2 * M * K, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; n += 4) {  // 4 rows of each: both stay in L1 for SwiGLU
      const int64_t count = std::min<int64_t>(4, end - n);
      g.rows(n, count, gate + n, N);
      u.rows(n, count, up + n, N);
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t i = n; i < n + count; ++i) gate[m * N + i] = silu_mul(gate[m * N + i], up[m * N + i]);
      }
    }
  });
}

}  // namespace kern::cpu
