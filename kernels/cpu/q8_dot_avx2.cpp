// AVX2 build of the integer weight x q8-activation dots (algorithm and numerics:
// q8_dot_kernels.inl) and the AVX2 activation quantizers.
// dot_u8s8 here is vpmaddubsw (u8 x s8 pairs to int16; exact, no saturation for |s| <= 127 and
// u <= 128) followed by vpmaddwd with ones (int16 pairs to int32).
// Quantizer: per 32 floats, the block's max |x| by vmaxps, x * id rounded by vcvtps2dq (round to
// nearest even under the default MXCSR, as kern::ref's nearbyint), packed to int8 by
// vpackssdw / vpacksswb and put back in element order by vpermd. The scale arithmetic is the
// same scalar float code as kern::ref's, so the bytes are identical.
// Build: functions carry __attribute__((target(...))) instead of per-file flags (see
// weight_dot_avx2.cpp for why); callers dispatch at run time.
#include "kernels/cpu/q8_dot.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/half.h"
#include "kernels/quant_blocks.h"

#define QUIRE_Q8_TARGET __attribute__((target("avx2,fma,f16c")))

namespace kern::cpu::detail {
namespace {
QUIRE_Q8_TARGET inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
}
}  // namespace
}  // namespace kern::cpu::detail

#include "kernels/cpu/q8_dot_kernels.inl"

namespace kern::cpu::detail {
namespace {

QUIRE_Q8_TARGET inline float block_amax(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int j = 0; j < n; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 32 floats at x times id, rounded to nearest even, stored as 32 int8 at y in order.
QUIRE_Q8_TARGET inline void round_store_32(uint8_t* y, const float* x, float id) {
  const __m256 mul = _mm256_set1_ps(id);
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), mul));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), mul));
  const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), mul));
  const __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), mul));
  // packs work within 128-bit lanes: dwords end up as i0a i1a i2a i3a i0b i1b i2b i3b.
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  const __m256i ordered = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), ordered);
}

QUIRE_Q8_TARGET void quantize_q8_0(uint8_t* y, const float* x, int64_t K) {
  for (int64_t k = 0; k < K; k += 32, x += 32, y += quant::q8_0::bytes) {
    const float d = block_amax(x, 32) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    quant::store_u16(y + quant::q8_0::d, fp32_to_fp16(d));
    round_store_32(y + quant::q8_0::qs, x, id);
  }
}

QUIRE_Q8_TARGET void quantize_q8_k(uint8_t* y, const float* x, int64_t K) {
  for (int64_t k = 0; k < K; k += 256, x += 256, y += q8k::bytes) {
    const float amax = block_amax(x, 256);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    std::memcpy(y + q8k::d, &d, sizeof d);
    for (int j = 0; j < 256; j += 32) round_store_32(y + q8k::qs + j, x + j, id);
    // bsums: byte pairs by vpmaddubsw with ones, then pairs of those by vpmaddwd, per 16 bytes.
    for (int j = 0; j < 256; j += 32) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + q8k::qs + j));
      const __m256i s4 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1));
      // s4 = 4-byte sums; lanes 0-3 are the first 16 bytes, 4-7 the next 16.
      const __m256i s8 = _mm256_hadd_epi32(s4, s4);   // per 128-bit lane: (0+1, 2+3, ...)
      const __m256i s16 = _mm256_hadd_epi32(s8, s8);  // lane 0 of each half: its 16-byte sum
      const int16_t lo = int16_t(_mm256_extract_epi32(s16, 0)), hi = int16_t(_mm256_extract_epi32(s16, 4));
      std::memcpy(y + q8k::bsums + 2 * (j / 16), &lo, sizeof lo);
      std::memcpy(y + q8k::bsums + 2 * (j / 16 + 1), &hi, sizeof hi);
    }
  }
}

}  // namespace

Q8Dot q8_dot_avx2(DType type) { return q8_dot_table(type); }
Q8Dot4 q8_dot4_avx2(DType type) { return q8_dot4_table(type); }
Q8DotRows4 q8_dot_rows4_avx2(DType type) { return q8_dot_rows4_table(type); }

QuantizeRow quantize_row_avx2(ActQ8 type) {
  return type == ActQ8::q8_0 ? quantize_q8_0 : quantize_q8_k;
}

}  // namespace kern::cpu::detail

#else  // not x86: no AVX2 build

namespace kern::cpu::detail {
Q8Dot q8_dot_avx2(DType) { return nullptr; }
Q8Dot4 q8_dot4_avx2(DType) { return nullptr; }
Q8DotRows4 q8_dot_rows4_avx2(DType) { return nullptr; }
QuantizeRow quantize_row_avx2(ActQ8) { return nullptr; }
}  // namespace kern::cpu::detail

#endif
