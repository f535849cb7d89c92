// AVX-512F f32 weight-row dots for decode GEMV (the twin of weight_dot_avx2.cpp's f32 kernel on
// CPUs with AVX-512, e.g. AMD Zen 4, Intel Ice Lake and later).
// Algorithm: R weight rows (R = 1 or 4) against one activation row; per row two 16-lane
// accumulators over steps of 32 floats, then masked 16-lane steps for the tail (masked-off lanes
// are neither read nor faulted), and one horizontal sum per row. Four rows give 8 independent FMA
// chains and 4 sequential weight streams, and each activation vector is loaded once for all
// four; decode is bound by reading weights, which this keeps the memory system busy with.
// Numerics: float accumulation in 16 lanes x 2 per row; R = 1 and R = 4 form each row's sum in
// the same order, so they agree bit for bit (matmul_w and the fused passes group rows
// differently and must still agree). Differs from kern::ref (double) by float summation error.
// Build: function attributes and run-time dispatch (cpu_has_avx512()), as weight_dot_avx2.cpp.
#include "kernels/cpu/weight_dot.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define QUIRE_AVX512 __attribute__((target("avx2,fma,f16c,avx512f")))

namespace kern::cpu::detail {
namespace {

// The sum of v's 16 lanes. Through memory: GCC 12's _mm512_reduce_add_ps and 256-bit extracts
// use _mm256_undefined_*, which -Werror=uninitialized rejects; once per row, so the cost is nil.
QUIRE_AVX512 inline float hsum(__m512 v) {
  alignas(64) float t[16];
  _mm512_store_ps(t, v);
  __m128 s = _mm_add_ps(_mm_add_ps(_mm_load_ps(t), _mm_load_ps(t + 4)), _mm_add_ps(_mm_load_ps(t + 8), _mm_load_ps(t + 12)));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int R>
QUIRE_AVX512 inline void f32_rows(const uint8_t* w8, int64_t w_stride, const float* a, int64_t K, float* c) {
  const float* w[R];
  __m512 acc0[R], acc1[R];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    w[r] = reinterpret_cast<const float*>(w8 + r * w_stride);
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
  // Prefetch of the next R rows, 1/(K/32) of their bytes per step (q8_dot_kernels.inl's
  // NextRows says why: R interleaved short streams defeat the hardware prefetchers).
  const char* next = reinterpret_cast<const char*>(w8 + R * w_stride);
  const int64_t next_step = K >= 32 ? R * w_stride / (K / 32) : 0;
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    if constexpr (R > 1) {
      for (int64_t b = 0; b < next_step; b += 64) _mm_prefetch(next + b, _MM_HINT_T0);
      next += next_step;
    }
    const __m512 a0 = _mm512_loadu_ps(a + k), a1 = _mm512_loadu_ps(a + k + 16);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      acc0[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w[r] + k), a0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w[r] + k + 16), a1, acc1[r]);
    }
  }
  for (; k < K; k += 16) {
    const __mmask16 mask = K - k >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (K - k)) - 1u);
    const __m512 av = _mm512_maskz_loadu_ps(mask, a + k);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc0[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w[r] + k), av, acc0[r]);
  }
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) c[r] = hsum(_mm512_add_ps(acc0[r], acc1[r]));
}

QUIRE_AVX512 float dot_f32(const uint8_t* w, const float* a, int64_t K) {
  float c;
  f32_rows<1>(w, 0, a, K, &c);
  return c;
}
QUIRE_AVX512 void dot4_f32(const uint8_t* w, int64_t w_stride, const float* a, int64_t K, float* c) {
  f32_rows<4>(w, w_stride, a, K, c);
}

}  // namespace

RowDot row_dot_avx512(DType type) { return type == DType::f32 ? dot_f32 : nullptr; }
RowDot4 row_dot4_avx512(DType type) { return type == DType::f32 ? dot4_f32 : nullptr; }

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx512f");
}

}  // namespace kern::cpu::detail

#else  // not x86: no AVX-512 build

namespace kern::cpu::detail {
RowDot row_dot_avx512(DType) { return nullptr; }
RowDot4 row_dot4_avx512(DType) { return nullptr; }
bool cpu_has_avx512() { return false; }
}  // namespace kern::cpu::detail

#endif
