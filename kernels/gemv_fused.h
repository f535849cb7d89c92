// Fused weight products for decode: several matmul_w over one activation, and the SwiGLU feed-
// forward's gate and up products with the activation function, each as one parallel pass.
// Decode (a few activation rows) is bound by reading weights and by thread wake-ups; one pass
// over Q/K/V or gate/up wakes the pool once instead of two or three times, and splits all their
// rows evenly over the threads.
//
// Twins as in kernels.h: kern::ref (the obviously correct composition of ref ops) and kern::cpu.
// Shapes, layouts and contracts are those of matmul_w (kernels/kernels.h).
#pragma once

#include <cstdint>
#include <span>

#include "kernels/dtype.h"
#include "kernels/kernels.h"

namespace kern {

// A weight matrix: `rows` rows of row_bytes(type, K) bytes each (K given by the op).
struct WeightMat {
  const void* data = nullptr;
  DType type = DType::f32;
  int64_t rows = 0;
};

// One output of matmul_w_multi: C [M, w.rows] = A [M, K] x dequant(w)^T.
struct WeightProduct {
  float* C = nullptr;
  WeightMat w;
};

#define QUIRE_GEMV_FUSED_OPS                                                                     \
  /* For each p in parts: matmul_w(ex, p.C, A, p.w.data, p.w.type, M, p.w.rows, K). The outputs \
     must not overlap A or each other. kern::cpu equals its own matmul_w calls bit for bit. */  \
  void matmul_w_multi(const Exec& ex, const float* A, int64_t M, int64_t K,                     \
                      std::span<const WeightProduct> parts);                                    \
  /* up [M, N] = A x dequant(w_up)^T, then gate [M, N] = silu(A x dequant(w_gate)^T) * up, i.e. \
     matmul_w twice and swiglu; w_gate.rows == w_up.rows == N; A [M, K]. kern::cpu equals that  \
     composition of its own ops bit for bit. */                                                 \
  void matmul_w_swiglu(const Exec& ex, float* gate, float* up, const float* A, int64_t M,       \
                       int64_t K, const WeightMat& w_gate, const WeightMat& w_up);

namespace ref {
QUIRE_GEMV_FUSED_OPS
}  // namespace ref

namespace cpu {
QUIRE_GEMV_FUSED_OPS
}  // namespace cpu

#undef QUIRE_GEMV_FUSED_OPS

}  // namespace kern
