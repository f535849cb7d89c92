// Internal to kern::cpu (and its tests): the per-type dot product of one weight row with an f32
// activation row, in a portable and an AVX2/FMA/F16C build, and the run-time choice between them.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace kern::cpu::detail {

// sum_k dequant(w)[k] * a[k] for one row of K elements stored as the row's type (K a multiple
// of its block). Float accumulation; thread-safe (no state).
using RowDot = float (*)(const uint8_t* w, const float* a, int64_t K);
// Four weight rows against one activation row (decode GEMV): c[r] = RowDot(w + r * w_stride, a,
// K) for r < 4, bit for bit the RowDot of the same build (each row's sums are formed in the same
// order), with the four rows streamed together and each activation vector loaded once for all.
using RowDot4 = void (*)(const uint8_t* w, int64_t w_stride, const float* a, int64_t K, float* c);

// Plain C++ that compiles on every target (the compiler may auto-vectorize it for the baseline).
RowDot row_dot_portable(DType type);
// AVX2 + FMA + F16C versions; nullptr when not built for x86-64. Call only when
// cpu_has_avx2() is true.
RowDot row_dot_avx2(DType type);
// The AVX2 four-row kernel for `type` (f32 only; nullptr for the others), the twin of
// row_dot_avx2(type). Call only when cpu_has_avx2() is true.
RowDot4 row_dot4_avx2(DType type);
// AVX-512F one- and four-row kernels (f32 only; nullptr for the others or when not built for
// x86-64). Call only when cpu_has_avx512() is true.
RowDot row_dot_avx512(DType type);
RowDot4 row_dot4_avx512(DType type);
// True when this CPU runs AVX-512F (and the AVX2, FMA, F16C the other kernels need).
bool cpu_has_avx512();
// True when this CPU runs AVX2, FMA and F16C instructions.
bool cpu_has_avx2();

// For tests and benchmarks: false makes kern::cpu use the portable paths even on AVX2 CPUs.
// Process-wide (an atomic flag), default true; set it only while no kernel is running.
void set_simd_enabled(bool enabled);
// The current value of that switch.
bool simd_enabled();
// The dot kernel kern::cpu::matmul_w uses now for `type` (AVX-512 for f32 where the CPU has it,
// else AVX2, else portable).
RowDot select_row_dot(DType type);
// The four-row twin of select_row_dot(type) (same build, so equal per row bit for bit), or
// nullptr where there is none: then callers use select_row_dot row by row.
RowDot4 select_row_dot4(DType type);

}  // namespace kern::cpu::detail
