// Internal to kern::cpu (and its tests and benchmarks): integer GEMM kernels for prefill, the
// quantized weights times many 8-bit activation rows (kernels/q8_act.h has the formats).
// q8_dot.h's kernels read a weight block once per one (or four) activation rows; these tile
// several weight rows against several activation rows so that each decoded weight block and each
// activation block is reused from registers, as llama.cpp's tiled kernels do.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace kern::cpu::detail {

// For m < M, n < N:
//   C[m * ldc + n] = sum_k dequant(W row n)[k] * dequant(A row m)[k]
// W row n starts at w + n * w_stride (K elements in the weight type, K a multiple of its block);
// A row m starts at a + m * a_stride (K elements in act_q8_for(type)). Any M, N >= 1 (the kernel
// handles its own edge tiles). Overwrites C. Single-threaded and stateless: callers split N (or
// M) over threads. Results equal kern::ref::dot_q8 per (m, n) up to float summation error.
using Q8Gemm = void (*)(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t a_stride,
                        int64_t M, int64_t N, int64_t K, float* C, int64_t ldc);

// AVX-512 VNNI builds, nullptr for types they do not cover. Call only when
// cpu_has_avx512_vnni() (q8_dot.h) is true.
Q8Gemm q8_gemm_q8_0_vnni(DType type);    // q8_0 and q4_0 weights (q8_0 activations)
Q8Gemm q8_gemm_kquant_vnni(DType type);  // q4_K, q5_K and q6_K weights (q8_K activations)

// The GEMM matmul_w uses now for `type` with M >= q8_max_rows() activation rows, or nullptr when
// it uses the float path (float weight type, set_q8_activations(false), SIMD off, no VNNI).
Q8Gemm select_q8_gemm(DType type);

}  // namespace kern::cpu::detail
