// kern::ref fused weight products: literally the composition of the ref ops they fuse.
// Parallelization: none. Numerics: those of ref::matmul_w (double accumulation) and ref::swiglu.
#include "kernels/gemv_fused.h"

namespace kern::ref {

void matmul_w_multi(const Exec& ex, const float* A, int64_t M, int64_t K,
                    std::span<const WeightProduct> parts) {
  for (const WeightProduct& p : parts) matmul_w(ex, p.C, A, p.w.data, p.w.type, M, p.w.rows, K);
}

void matmul_w_swiglu(const Exec& ex, float* gate, float* up, const float* A, int64_t M, int64_t K,
                     const WeightMat& w_gate, const WeightMat& w_up) {
  matmul_w(ex, gate, A, w_gate.data, w_gate.type, M, w_gate.rows, K);
  matmul_w(ex, up, A, w_up.data, w_up.type, M, w_up.rows, K);
  swiglu(ex, gate, up, M * w_gate.rows);
}

}  // namespace kern::ref
