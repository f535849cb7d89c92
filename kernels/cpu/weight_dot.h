// Internal to kern::cpu (and its tests): the per-type dot product of one weight row with an f32
// activation row, in a portable and an AVX2/FMA/F16C build, and the run-time choice between them.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace kern::cpu::detail {

// sum_k dequant(w)[k] * a[k] for one row of K elements stored as the row's type (K a multiple
// of its block). Float accumulation; thread-safe (no state).
using RowDot = float (*)(const uint8_t* w, const float* a, int64_t K);

// Plain C++ that compiles on every target (the compiler may auto-vectorize it for the baseline).
RowDot row_dot_portable(DType type);
// AVX2 + FMA + F16C versions; nullptr when not built for x86-64. Call only when
// cpu_has_avx2() is true.
RowDot row_dot_avx2(DType type);
// True when this CPU runs AVX2, FMA and F16C instructions.
bool cpu_has_avx2();

// For tests and benchmarks: false makes kern::cpu use the portable paths even on AVX2 CPUs.
// Process-wide (an atomic flag), default true; set it only while no kernel is running.
void set_simd_enabled(bool enabled);
// The current value of that switch.
bool simd_enabled();
// The dot kernel kern::cpu::matmul_w uses now for `type` (AVX2 where the CPU has it and the
// switch is on, else portable).
RowDot select_row_dot(DType type);

}  // namespace kern::cpu::detail
