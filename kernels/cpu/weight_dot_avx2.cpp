// AVX2 + FMA + F16C weight-row dot products, fused: each block is decoded in registers and
// multiplied into the accumulator at once, never stored to memory.
// Algorithm per type: load 8 quants as bytes, widen to int32 (vpmovzx/sx), unpack nibbles and
// high bits with shifts and masks, convert to float, apply the block's scales, and accumulate
// with FMA. f16 uses vcvtph2ps, bf16 a 16-bit shift.
// These keep activations in f32 and decode the weights to f32: slower per element than the
// integer dots with 8-bit activations (q8_dot_kernels.inl, llama.cpp's numerics, which matmul_w
// uses for quantized decode by default), but equal to the exact product of the dequantized
// weights up to float summation error, which keeps CPU, CUDA and reference results comparable
// (float weights; kern::cpu::set_q8_activations(false); no AVX2 integer build).
// Build: functions carry __attribute__((target("avx2,fma,f16c"))) instead of per-file flags,
// so inline code from shared headers is never compiled with AVX2 (no ODR-merged AVX2 copies
// reach CPUs without it); the caller dispatches at run time (cpu_has_avx2()).
// Numerics: float accumulation in 8 lanes (2 accumulators per row for f32, 4 for f16/bf16),
// scales applied per element (k-quants) or per block (q8_0, q4_0).
#include "kernels/cpu/weight_dot.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "kernels/quant_blocks.h"

#define QUIRE_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace kern::cpu::detail {
namespace {

QUIRE_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 8 bytes at p, zero-extended to int32 lanes.
QUIRE_AVX2 inline __m256i load8_u8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

QUIRE_AVX2 inline __m256 to_float(__m256i v) { return _mm256_cvtepi32_ps(v); }

// One f32 weight row against one activation row: two 8-lane accumulators over steps of 16, then
// masked 8-lane steps for the tail (no scalar loop), and one horizontal sum.
// Why this shape: decode GEMV on float weights only streams memory, and on the 2-core AMD Zen 5
// development machine one sequential stream per thread is the fastest way through it:
// bench_decode_gemv's stream_read reads four interleaved rows at 0.80-0.85x of one row, and
// 512-bit loads gain nothing. In the stories-110M-shaped GEMV sequence the four-row AVX2 and
// AVX-512 kernels this replaced ran at 0.90-0.93x its speed. The non-temporal prefetch
// kF32PrefetchFloats (2 KB) ahead adds nothing to one long stream but 4-10% to a real decode
// (quire-cli bench, stories-110M, 6 alternating rounds): a decode step starts a new stream at
// every op and chunk, where the hardware prefetcher has to ramp up again.
constexpr int64_t kF32PrefetchFloats = 512;
QUIRE_AVX2 float dot_f32(const uint8_t* w8, const float* a, int64_t K) {
  const float* w = reinterpret_cast<const float*>(w8);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    // Past the row's end this prefetches the next row (rows are adjacent in a GEMV); a
    // prefetch never faults, so running past the matrix is harmless.
    _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(w + k) + 4 * kF32PrefetchFloats),
                 _MM_HINT_NTA);
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k), _mm256_loadu_ps(a + k), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k + 8), _mm256_loadu_ps(a + k + 8), acc1);
  }
  for (; k < K; k += 8) {
    const int64_t n = K - k < 8 ? K - k : 8;
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    acc0 = _mm256_fmadd_ps(_mm256_maskload_ps(w + k, mask), _mm256_maskload_ps(a + k, mask), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

// f16 and bf16 share the loop; Widen turns 8 stored halves into 8 floats.
template <class Widen>
QUIRE_AVX2 inline float dot_16bit(const uint8_t* w, const float* a, int64_t K, Widen widen,
                                  float (*scalar)(uint16_t)) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    acc0 = _mm256_fmadd_ps(widen(w + 2 * k), _mm256_loadu_ps(a + k), acc0);
    acc1 = _mm256_fmadd_ps(widen(w + 2 * k + 16), _mm256_loadu_ps(a + k + 8), acc1);
    acc2 = _mm256_fmadd_ps(widen(w + 2 * k + 32), _mm256_loadu_ps(a + k + 16), acc2);
    acc3 = _mm256_fmadd_ps(widen(w + 2 * k + 48), _mm256_loadu_ps(a + k + 24), acc3);
  }
  for (; k + 8 <= K; k += 8) acc0 = _mm256_fmadd_ps(widen(w + 2 * k), _mm256_loadu_ps(a + k), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; k < K; ++k) sum += scalar(quant::load_u16(w + 2 * k)) * a[k];
  return sum;
}

struct WidenF16 {
  QUIRE_AVX2 __m256 operator()(const uint8_t* p) const {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
};
struct WidenBF16 {
  QUIRE_AVX2 __m256 operator()(const uint8_t* p) const {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
};

QUIRE_AVX2 float dot_f16(const uint8_t* w, const float* a, int64_t K) {
  return dot_16bit(w, a, K, WidenF16{}, fp16_to_fp32);
}
QUIRE_AVX2 float dot_bf16(const uint8_t* w, const float* a, int64_t K) {
  return dot_16bit(w, a, K, WidenBF16{}, bf16_to_fp32);
}

QUIRE_AVX2 float dot_q8_0(const uint8_t* b, const float* a, int64_t K) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 32, b += quant::q8_0::bytes, a += 32) {
    const uint8_t* qs = b + quant::q8_0::qs;
    __m256 block = _mm256_setzero_ps();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(qs + 8 * c)));
      block = _mm256_fmadd_ps(to_float(q), _mm256_loadu_ps(a + 8 * c), block);
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(quant::load_half(b + quant::q8_0::d)), block, acc);
  }
  return hsum(acc);
}

QUIRE_AVX2 float dot_q4_0(const uint8_t* b, const float* a, int64_t K) {
  const __m256i mask = _mm256_set1_epi32(0xF), eight = _mm256_set1_epi32(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 32, b += quant::q4_0::bytes, a += 32) {
    const uint8_t* qs = b + quant::q4_0::qs;
    __m256 block = _mm256_setzero_ps();
    for (int c = 0; c < 2; ++c) {
      const __m256i v = load8_u8(qs + 8 * c);
      const __m256i lo = _mm256_sub_epi32(_mm256_and_si256(v, mask), eight);
      const __m256i hi = _mm256_sub_epi32(_mm256_srli_epi32(v, 4), eight);
      block = _mm256_fmadd_ps(to_float(lo), _mm256_loadu_ps(a + 8 * c), block);
      block = _mm256_fmadd_ps(to_float(hi), _mm256_loadu_ps(a + 16 + 8 * c), block);
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(quant::load_half(b + quant::q4_0::d)), block, acc);
  }
  return hsum(acc);
}

// q4_K (kHighBits false) and q5_K (true): y = d1 * q - m1 per sub-block of 32, fused per 8.
template <bool kHighBits>
QUIRE_AVX2 inline float dot_qk_4_5(const uint8_t* b, const float* a, int64_t K) {
  constexpr int bytes = kHighBits ? quant::q5_k::bytes : quant::q4_k::bytes;
  constexpr int qs_at = kHighBits ? quant::q5_k::qs : quant::q4_k::qs;
  const __m256i mask = _mm256_set1_epi32(0xF), one = _mm256_set1_epi32(1);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 256, b += bytes, a += 256) {
    const float d = quant::load_half(b + quant::q4_k::d), dmin = quant::load_half(b + quant::q4_k::dmin);
    const uint8_t* qh = b + quant::q5_k::qh;
    for (int g = 0; g < 4; ++g) {
      uint8_t sc, m;
      quant::scale_min_k4(2 * g, b + quant::q4_k::scales, sc, m);
      const __m256 d1 = _mm256_set1_ps(d * float(sc)), m1 = _mm256_set1_ps(dmin * float(m));
      quant::scale_min_k4(2 * g + 1, b + quant::q4_k::scales, sc, m);
      const __m256 d2 = _mm256_set1_ps(d * float(sc)), m2 = _mm256_set1_ps(dmin * float(m));
      const uint8_t* q = b + qs_at + 32 * g;
      const float* ag = a + 64 * g;
      for (int c = 0; c < 4; ++c) {
        const __m256i v = load8_u8(q + 8 * c);
        __m256i lo = _mm256_and_si256(v, mask), hi = _mm256_srli_epi32(v, 4);
        if constexpr (kHighBits) {
          const __m256i h = load8_u8(qh + 8 * c);
          const __m256i lo_bit = _mm256_and_si256(_mm256_srl_epi32(h, _mm_cvtsi32_si128(2 * g)), one);
          const __m256i hi_bit = _mm256_and_si256(_mm256_srl_epi32(h, _mm_cvtsi32_si128(2 * g + 1)), one);
          lo = _mm256_or_si256(lo, _mm256_slli_epi32(lo_bit, 4));
          hi = _mm256_or_si256(hi, _mm256_slli_epi32(hi_bit, 4));
        }
        acc0 = _mm256_fmadd_ps(_mm256_fmsub_ps(d1, to_float(lo), m1), _mm256_loadu_ps(ag + 8 * c), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_fmsub_ps(d2, to_float(hi), m2), _mm256_loadu_ps(ag + 32 + 8 * c), acc1);
      }
    }
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

QUIRE_AVX2 float dot_q4_k(const uint8_t* b, const float* a, int64_t K) { return dot_qk_4_5<false>(b, a, K); }
QUIRE_AVX2 float dot_q5_k(const uint8_t* b, const float* a, int64_t K) { return dot_qk_4_5<true>(b, a, K); }

// The q6_K value (low 4 bits | 2 bits of hb at `shift` << 4) - 32, as floats.
QUIRE_AVX2 inline __m256 q6_value(__m256i low4, __m256i hb, int shift) {
  const __m256i top = _mm256_and_si256(_mm256_srl_epi32(hb, _mm_cvtsi32_si128(shift)), _mm256_set1_epi32(3));
  return to_float(_mm256_sub_epi32(_mm256_or_si256(low4, _mm256_slli_epi32(top, 4)), _mm256_set1_epi32(32)));
}

QUIRE_AVX2 float dot_q6_k(const uint8_t* b, const float* a, int64_t K) {
  const __m256i mask4 = _mm256_set1_epi32(0xF);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 256, b += quant::q6_k::bytes, a += 256) {
    const float d = quant::load_half(b + quant::q6_k::d);
    const auto* scales = reinterpret_cast<const int8_t*>(b + quant::q6_k::scales);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = b + quant::q6_k::ql + 64 * h;
      const uint8_t* qh = b + quant::q6_k::qh + 32 * h;
      const int8_t* sc = scales + 8 * h;
      const float* ah = a + 128 * h;
      for (int c = 0; c < 4; ++c) {
        const int is = c / 2;  // elements 8c..8c+7 lie in one sub-block of 16
        const __m256i l0 = load8_u8(ql + 8 * c), l1 = load8_u8(ql + 32 + 8 * c);
        const __m256i hb = load8_u8(qh + 8 * c);
        const __m256 q1 = q6_value(_mm256_and_si256(l0, mask4), hb, 0);
        const __m256 q2 = q6_value(_mm256_and_si256(l1, mask4), hb, 2);
        const __m256 q3 = q6_value(_mm256_srli_epi32(l0, 4), hb, 4);
        const __m256 q4 = q6_value(_mm256_srli_epi32(l1, 4), hb, 6);
        const float* al = ah + 8 * c;
        acc0 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(d * float(sc[is])), q1), _mm256_loadu_ps(al), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(d * float(sc[is + 2])), q2), _mm256_loadu_ps(al + 32), acc1);
        acc0 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(d * float(sc[is + 4])), q3), _mm256_loadu_ps(al + 64), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(d * float(sc[is + 6])), q4), _mm256_loadu_ps(al + 96), acc1);
      }
    }
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

}  // namespace

RowDot row_dot_avx2(DType type) {
  switch (type) {
    case DType::f32: return dot_f32;
    case DType::f16: return dot_f16;
    case DType::bf16: return dot_bf16;
    case DType::q8_0: return dot_q8_0;
    case DType::q4_0: return dot_q4_0;
    case DType::q4_k: return dot_q4_k;
    case DType::q5_k: return dot_q5_k;
    case DType::q6_k: return dot_q6_k;
  }
  return nullptr;
}

bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

}  // namespace kern::cpu::detail

#else  // not x86: only the portable kernels exist

namespace kern::cpu::detail {
RowDot row_dot_avx2(DType) { return nullptr; }
bool cpu_has_avx2() { return false; }
}  // namespace kern::cpu::detail

#endif
