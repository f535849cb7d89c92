// kern::cpu fused weight products (kernels/gemv_fused.h).
// Algorithm: for few activation rows (M < kGemvMaxRows, matmul_w's GEMV range) every weight row
// is one dot per activation row with exactly the kernel matmul_w picks for that weight (integer
// dots on activations rounded once to 8 bits per activation format, else the fused-dequantize
// float RowDot, four weight rows per call where a RowDot4 exists, which equals the RowDot per row
// bit for bit), so outputs equal separate matmul_w calls bit for bit. matmul_w_multi walks the
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
#include "kernels/cpu/parallel_rows.h"
#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/q8_act.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {

constexpr int64_t kGemvMaxRows = 8;  // matmul_w's per-row GEMV range (its kGemmMinRows)

// The activations A [M, K], as floats and, on demand, rounded to each 8-bit format once.
class Activations {
 public:
  Activations(const Exec& ex, const float* A, int64_t M, int64_t K) : ex_(ex), a_(A), m_(M), k_(K) {}
  const float* floats() const { return a_; }
  const uint8_t* quantized(ActQ8 type) {
    std::vector<uint8_t>& buf = q_[type == ActQ8::q8_0 ? 0 : 1];
    if (buf.empty()) {
      buf.resize(static_cast<size_t>(m_ * act_row_bytes(type, k_)));
      quantize_act(ex_, buf.data(), a_, type, m_, k_);
    }
    return buf.data();
  }

 private:
  const Exec& ex_;
  const float* a_;
  int64_t m_, k_;
  std::vector<uint8_t> q_[2];
};

// One weight bound to the activations with matmul_w's GEMV kernel choice for its type.
class RowKernel {
 public:
  RowKernel(const WeightMat& w, Activations& acts, int64_t M, int64_t K)
      : w_(static_cast<const uint8_t*>(w.data)), stride_(row_bytes(w.type, K)), m_(M), k_(K) {
    qdot_ = M < detail::q8_max_rows() ? detail::select_q8_dot(w.type) : nullptr;
    if (qdot_ != nullptr) {
      const ActQ8 atype = *act_q8_for(w.type);
      qdot4_ = detail::select_q8_dot4(w.type);
      qrows4_ = M < 4 ? detail::select_q8_dot_rows4(w.type) : nullptr;  // as matmul_w
      aq_ = acts.quantized(atype);
      astride_ = act_row_bytes(atype, K);
    } else {
      dot_ = detail::select_row_dot(w.type);
      dot4_ = detail::select_row_dot4(w.type);
      a_ = acts.floats();
    }
  }

  // c[m * ldc] = weight row n . activation row m, for every m < M.
  void row(int64_t n, float* c, int64_t ldc) const {
    const uint8_t* wn = w_ + n * stride_;
    if (qdot_ != nullptr) {
      int64_t m = 0;
      for (; m + 4 <= m_; m += 4) qdot4_(wn, aq_ + m * astride_, astride_, k_, c + m * ldc, ldc);
      for (; m < m_; ++m) c[m * ldc] = qdot_(wn, aq_ + m * astride_, k_);
    } else {
      for (int64_t m = 0; m < m_; ++m) c[m * ldc] = dot_(wn, a_ + m * k_, k_);
    }
  }

  // c[m * ldc + i] = weight row n + i . activation row m, for i < count and every m < M: four
  // rows per call where the type has a four-weight-row kernel (equal to row() per row bit for bit).
  void rows(int64_t n, int64_t count, float* c, int64_t ldc) const {
    int64_t i = 0;
    if (qrows4_ != nullptr) {
      for (; i + 4 <= count; i += 4) {
        const uint8_t* wn = w_ + (n + i) * stride_;
        for (int64_t m = 0; m < m_; ++m) qrows4_(wn, stride_, aq_ + m * astride_, k_, c + m * ldc + i);
      }
    }
    if (dot4_ != nullptr) {
      for (; i + 4 <= count; i += 4) {
        const uint8_t* wn = w_ + (n + i) * stride_;
        for (int64_t m = 0; m < m_; ++m) dot4_(wn, stride_, a_ + m * k_, k_, c + m * ldc + i);
      }
    }
    for (; i < count; ++i) row(n + i, c + i, ldc);
  }

 private:
  const uint8_t* w_;
  int64_t stride_, m_, k_;
  detail::Q8Dot qdot_ = nullptr;
  detail::Q8Dot4 qdot4_ = nullptr;
  detail::Q8DotRows4 qrows4_ = nullptr;
  const uint8_t* aq_ = nullptr;
  int64_t astride_ = 0;
  detail::RowDot dot_ = nullptr;
  detail::RowDot4 dot4_ = nullptr;
  const float* a_ = nullptr;
};

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
