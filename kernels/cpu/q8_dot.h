// Internal to kern::cpu (and its tests and benchmarks): the integer weight x q8-activation dot
// kernels per instruction set, and the run-time choice between them (kernels/q8_act.h has the
// formats and the public twins).
#pragma once

#include <cstdint>

#include "kernels/dtype.h"
#include "kernels/q8_act.h"

namespace kern::cpu::detail {

// sum_k dequant(w)[k] * dequant(a)[k] for one weight row w (K elements, K a multiple of the
// block) and one activation row a in act_q8_for(type). Thread-safe (no state).
using Q8Dot = float (*)(const uint8_t* w, const uint8_t* a, int64_t K);
// Four activation rows at once: c[r * c_stride] = Q8Dot(w, a + r * a_stride, K) for r < 4, each
// weight block decoded once (prefill). Same results as four Q8Dot calls up to float summation.
using Q8Dot4 = void (*)(const uint8_t* w, const uint8_t* a, int64_t a_stride, int64_t K, float* c,
                        int64_t c_stride);
// Four weight rows against one activation row (decode): c[r] = Q8Dot(w + r * w_stride, a, K) for
// r < 4, bit for bit the Q8Dot of the same build, each activation block loaded once for all four.
using Q8DotRows4 = void (*)(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t K, float* c);
// Quantizes one row of K elements (kern::ref::quantize_act's rule, byte for byte).
using QuantizeRow = void (*)(uint8_t* y, const float* x, int64_t K);

// AVX2 (vpmaddubsw) kernels; nullptr for f32/f16/bf16 or when not built for x86-64. Call only
// when cpu_has_avx2() (weight_dot.h) is true.
Q8Dot q8_dot_avx2(DType type);
Q8Dot4 q8_dot4_avx2(DType type);
Q8DotRows4 q8_dot_rows4_avx2(DType type);
QuantizeRow quantize_row_avx2(ActQ8 type);
// AVX-512 VNNI (vpdpbusd on 256-bit vectors) kernels; nullptr where none is built. Call only
// when cpu_has_avx512_vnni() is true.
Q8Dot q8_dot_vnni(DType type);
Q8Dot4 q8_dot4_vnni(DType type);
Q8DotRows4 q8_dot_rows4_vnni(DType type);
bool cpu_has_avx512_vnni();

// matmul_w takes these per-row integer dots for M < this many activation rows (default 8) and
// the integer GEMM (q8_gemm.h) from there on; for benchmarks that compare the two paths.
void set_q8_max_rows(int64_t rows);
int64_t q8_max_rows();
// false keeps the VNNI kernels out of select_q8_dot (to compare them with AVX2); default true.
void set_vnni_enabled(bool enabled);

// The integer dot kernel matmul_w uses now for `type`, or nullptr when it uses the float path
// (float weight type, kern::cpu::set_q8_activations(false), SIMD off (set_simd_enabled) or no AVX2 on this CPU).
// The integer path has no portable build: without AVX2 the float portable kernels stay faster.
Q8Dot select_q8_dot(DType type);
// The four-row kernel of the same build as select_q8_dot(type) (nullptr exactly when that is).
Q8Dot4 select_q8_dot4(DType type);
// The four-weight-row kernel of the same build as select_q8_dot(type) (nullptr exactly when that
// is; then callers take the float path).
Q8DotRows4 select_q8_dot_rows4(DType type);
// The activation quantizer for `type`: AVX2 when available and SIMD is on, else scalar.
QuantizeRow select_quantize_row(ActQ8 type);

}  // namespace kern::cpu::detail
