// Internal to kern::cpu: the per-row GEMV of matmul_w for few activation rows, shared by
// matmul_w and the fused passes (gemv_fused.cpp) so that both pick the same kernel for a weight
// and agree bit for bit. Kernel choice: integer dots on activations rounded once to 8 bits
// (M < q8_max_rows() and the type has one; four weight rows per call for M < 4 where a
// Q8DotRows4 exists, four activation rows per call otherwise), else the fused-dequantize float
// RowDot, one weight row per call. Every multi-row kernel equals its one-row twin per row bit for
// bit, so results do not depend on how rows are split.
// Threads: objects are built on one thread, then row()/rows() are const and may run
// concurrently on disjoint outputs.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/gemv_fused.h"
#include "kernels/q8_act.h"

namespace kern::cpu::detail {

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
    qdot_ = M < q8_max_rows() ? select_q8_dot(w.type) : nullptr;
    if (qdot_ != nullptr) {
      const ActQ8 atype = *act_q8_for(w.type);
      qdot4_ = select_q8_dot4(w.type);
      qrows4_ = M < 4 ? select_q8_dot_rows4(w.type) : nullptr;
      aq_ = acts.quantized(atype);
      astride_ = act_row_bytes(atype, K);
    } else {
      dot_ = select_row_dot(w.type);
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
  // rows per call where the type has a four-weight-row integer kernel (equal to row() per row bit
  // for bit).
  void rows(int64_t n, int64_t count, float* c, int64_t ldc) const {
    int64_t i = 0;
    if (qrows4_ != nullptr) {
      for (; i + 4 <= count; i += 4) {
        const uint8_t* wn = w_ + (n + i) * stride_;
        for (int64_t m = 0; m < m_; ++m) qrows4_(wn, stride_, aq_ + m * astride_, k_, c + m * ldc + i);
      }
    }
    for (; i < count; ++i) row(n + i, c + i, ldc);
  }

 private:
  const uint8_t* w_;
  int64_t stride_, m_, k_;
  Q8Dot qdot_ = nullptr;
  Q8Dot4 qdot4_ = nullptr;
  Q8DotRows4 qrows4_ = nullptr;
  const uint8_t* aq_ = nullptr;
  int64_t astride_ = 0;
  RowDot dot_ = nullptr;
  const float* a_ = nullptr;
};

}  // namespace kern::cpu::detail
