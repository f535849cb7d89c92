// The integer weight x q8-activation dot kernels, written once and compiled per instruction set.
// Included only by q8_dot_avx2.cpp and q8_dot_vnni.cpp, each of which first defines:
//   QUIRE_Q8_TARGET            the function attribute (__attribute__((target("..."))))
//   __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s)
//                              acc[i] + sum_{j<4} u8(u[4i+j]) * s8(s[4i+j]), exact in int32
//                              for our operand ranges (|s| <= 127, u <= 128)
// Everything here has internal linkage (anonymous namespace), so the two builds never merge.
//
// Algorithm per weight type, one block (or super-block) at a time, quants decoded in registers:
//   q8_0 x q8_0: vpsignb moves w's sign onto a (|w| u8, sign(w)*a s8), dot_u8s8, one float
//                multiply-add per 32 elements with d_w * d_a.
//   q4_0 x q8_0: nibbles to bytes, minus 8, then as q8_0.
//   q4_K / q5_K x q8_K: per 64 elements the low nibbles (sub-block 2g) and high nibbles (2g+1),
//                q5_K's fifth bit from qh; vpmaddubsw with the activation quants, vpmaddwd with
//                the 6-bit sub-block scale (broadcast by a byte shuffle), summed in int32 over
//                the super-block; the mins term dmin * sum_s m_s * (bsums[2s] + bsums[2s+1])
//                from the activation's bsums, one vpmaddwd, accumulated in float lanes.
//   q6_K x q8_K: 6-bit quants as unsigned 0..63 (vpmaddubsw), the -32 offset taken out once per
//                super-block as 32 * sum_s scale_s * bsums[s]; int8 sub-block scales via vpmaddwd,
//                each broadcast by one byte shuffle.
// Decode (one activation row): every kernel also comes as four weight rows per call
// (Q8DotRows4), which share each activation block load; per row the same arithmetic as the
// one-row kernel, so the two agree bit for bit.
// Numerics: all products and sums of quants are exact integers (int16 pair sums <= 2*63*127,
//   int32 super-block sums < 2^28); one float rounding per block scale product and the float
//   accumulation over blocks. Equal to kern::ref::dot_q8 up to float summation error.
#include <immintrin.h>

#include <cstring>

#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"

namespace kern::cpu::detail {
namespace {

QUIRE_Q8_TARGET inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

QUIRE_Q8_TARGET inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

QUIRE_Q8_TARGET inline __m256i load256(const uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

QUIRE_Q8_TARGET inline float half_at(const uint8_t* p) { return _cvtsh_ss(quant::load_u16(p)); }

QUIRE_Q8_TARGET inline float f32_at(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Signed w (s8) times signed a (s8), 4-element sums added to acc.
QUIRE_Q8_TARGET inline __m256i dot_s8s8(__m256i acc, __m256i w, __m256i a) {
  return dot_u8s8(acc, _mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

// Software prefetch for the multi-row kernels. Rows of a few KiB walked R at a time are R short
// interleaved streams, which the hardware prefetchers do not ramp up on (measured: 2x slower
// than one row at a time on TinyLlama's q4_K weights from DRAM); so each of the `steps` block
// steps over the current R rows also prefetches 1/steps of the next R rows' bytes (they follow
// at w + R * w_stride in matmul_w's and the fused passes' row order). Prefetches past the end
// of the weights are harmless (no faults).
class NextRows {
 public:
  QUIRE_Q8_TARGET NextRows(const uint8_t* w, int64_t w_stride, int rows, int64_t steps)
      : p_(reinterpret_cast<const char*>(w + rows * w_stride)),
        step_bytes_(steps > 0 ? rows * w_stride / steps : 0) {}
  QUIRE_Q8_TARGET void step() {
    for (int64_t b = 0; b < step_bytes_; b += 64) _mm_prefetch(p_ + b, _MM_HINT_T0);
    p_ += step_bytes_;
  }

 private:
  const char* p_;
  int64_t step_bytes_;
};

// The 32 quants of a q4_0 block as signed bytes in element order (nibble - 8).
QUIRE_Q8_TARGET inline __m256i q4_0_bytes(const uint8_t* qs) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
  return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0xF)), _mm256_set1_epi8(8));
}

// The 32 quants of block `wblk` as signed bytes: q8_0's as stored, q4_0's nibbles minus 8.
template <bool kQ4>
QUIRE_Q8_TARGET inline __m256i q8_0_q4_0_bytes(const uint8_t* wblk) {
  if constexpr (kQ4) {
    return q4_0_bytes(wblk + quant::q4_0::qs);
  } else {
    return load256(wblk + quant::q8_0::qs);
  }
}

// q8_0 (kQ4 false) or q4_0 (true) x q8_0, R weight rows (w_stride bytes apart) against one
// activation row: c[r] = row r . a. Two float accumulators per row (even and odd blocks) hide
// the FMA latency; each activation block is loaded once for all R rows, and each row's
// arithmetic does not depend on R, so R = 1 and R = 4 agree bit for bit. The next R rows are
// prefetched as in qk_4_5_rows (NextRows).
template <bool kQ4, int R>
QUIRE_Q8_TARGET inline void q8_0_q4_0_rows(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t K,
                                           float* c) {
  constexpr int wb = kQ4 ? quant::q4_0::bytes : quant::q8_0::bytes, ab = quant::q8_0::bytes;
  constexpr int aqs = quant::q8_0::qs;
  __m256 acc0[R], acc1[R];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
  NextRows next(w, w_stride, R, K / 64);
  int64_t k = 0;
  for (; k + 64 <= K; k += 64, w += 2 * wb, a += 2 * ab) {
    if constexpr (R > 1) next.step();
    const __m256i a0 = load256(a + aqs), a1 = load256(a + ab + aqs);
    const float da0 = half_at(a), da1 = half_at(a + ab);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const uint8_t* wr = w + r * w_stride;
      const __m256i s0 = dot_s8s8(_mm256_setzero_si256(), q8_0_q4_0_bytes<kQ4>(wr), a0);
      const __m256i s1 = dot_s8s8(_mm256_setzero_si256(), q8_0_q4_0_bytes<kQ4>(wr + wb), a1);
      acc0[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(wr) * da0), _mm256_cvtepi32_ps(s0), acc0[r]);
      acc1[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(wr + wb) * da1), _mm256_cvtepi32_ps(s1), acc1[r]);
    }
  }
  if (k < K) {  // an odd number of blocks: the last one
    const __m256i a0 = load256(a + aqs);
    const float da0 = half_at(a);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const uint8_t* wr = w + r * w_stride;
      const __m256i s0 = dot_s8s8(_mm256_setzero_si256(), q8_0_q4_0_bytes<kQ4>(wr), a0);
      acc0[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(wr) * da0), _mm256_cvtepi32_ps(s0), acc0[r]);
    }
  }
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) c[r] = hsum_ps(_mm256_add_ps(acc0[r], acc1[r]));
}

QUIRE_Q8_TARGET float q8_0_x_q8_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  float c;
  q8_0_q4_0_rows<false, 1>(w, 0, a, K, &c);
  return c;
}
QUIRE_Q8_TARGET float q4_0_x_q8_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  float c;
  q8_0_q4_0_rows<true, 1>(w, 0, a, K, &c);
  return c;
}

// The 8 six-bit scales and mins of q4_K / q5_K (quant::scale_min_k4 for all j at once, on 32-bit
// words): sc[j] = scales byte j, m[j] = mins byte j.
inline void scales_mins_k4(const uint8_t* s, uint32_t sc[2], uint32_t m[2]) {
  uint32_t w[3];
  std::memcpy(w, s, sizeof w);
  constexpr uint32_t low6 = 0x3F3F3F3Fu, low4 = 0x0F0F0F0Fu, low2 = 0x03030303u;
  sc[0] = w[0] & low6;
  m[0] = w[1] & low6;
  sc[1] = (w[2] & low4) | (((w[0] >> 6) & low2) << 4);
  m[1] = ((w[2] >> 4) & low4) | (((w[1] >> 6) & low2) << 4);
}

// q4_K (kFive false) and q5_K (true), R weight rows (w_stride bytes apart) against one
// activation row: c[r] = row r . a. The activation block (quants and bsums) is loaded once for
// all R rows; each row's arithmetic does not depend on R, so R = 1 and R = 4 agree bit for bit.
template <bool kFive, int R>
QUIRE_Q8_TARGET inline void qk_4_5_rows(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t K,
                                        float* c) {
  constexpr int wb = kFive ? quant::q5_k::bytes : quant::q4_k::bytes;
  constexpr int qs_at = kFive ? quant::q5_k::qs : quant::q4_k::qs;
  const __m256i low4 = _mm256_set1_epi8(0xF), bit4 = _mm256_set1_epi8(0x10);
  // Byte shuffles that broadcast int16 lane j (j = 0..7) of a 128-bit-replicated vector.
  const __m256i pick0 = _mm256_set1_epi16(0x0100), step = _mm256_set1_epi16(0x0202);
  __m256 acc[R], acc_min[R];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = acc_min[r] = _mm256_setzero_ps();
  NextRows next(w, w_stride, R, K / 256);
  for (int64_t k = 0; k < K; k += 256, w += wb, a += q8k::bytes) {
    if constexpr (R > 1) next.step();
    const float da = f32_at(a + q8k::d);
    const __m256i bsums = load256(a + q8k::bsums);
    __m256i scales[R], qh[R], sumi[R];
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const uint8_t* wr = w + r * w_stride;
      uint32_t sc32[2], m32[2];
      scales_mins_k4(wr + quant::q4_k::scales, sc32, m32);
      // mins: sum_s m_s * (bsums[2s] + bsums[2s+1]) as one vpmaddwd of the 16 bsums with each
      // min twice, kept in float lanes across super-blocks (no horizontal sum per block).
      const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m32));
      const __m256i min_sums = _mm256_madd_epi16(bsums, _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
      acc_min[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(wr + quant::q4_k::dmin) * da),
                                   _mm256_cvtepi32_ps(min_sums), acc_min[r]);
      // The 8 sub-block scales as int16 in both 128-bit lanes; scale j is a byte shuffle away.
      scales[r] = _mm256_broadcastsi128_si256(
          _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc32))));
      qh[r] = kFive ? load256(wr + quant::q5_k::qh) : _mm256_setzero_si256();
      sumi[r] = _mm256_setzero_si256();
    }
    __m256i pick_lo = pick0;
    for (int g = 0; g < 4; ++g) {
      const __m256i a_lo = load256(a + q8k::qs + 64 * g), a_hi = load256(a + q8k::qs + 64 * g + 32);
      const __m256i pick_hi = _mm256_add_epi8(pick_lo, step);
      #pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const __m256i q = load256(w + r * w_stride + qs_at + 32 * g);
        __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if constexpr (kFive) {  // bit 2g of qh[l] is element l's bit 4 in sub-block 2g, 2g+1 next
          lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(qh[r], 4), bit4));
          hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(qh[r], 3), bit4));
          qh[r] = _mm256_srli_epi16(qh[r], 2);
        }
        const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, a_lo), _mm256_shuffle_epi8(scales[r], pick_lo));
        const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, a_hi), _mm256_shuffle_epi8(scales[r], pick_hi));
        sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(p_lo, p_hi));
      }
      pick_lo = _mm256_add_epi8(pick_hi, step);
    }
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(w + r * w_stride + quant::q4_k::d) * da),
                               _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
  }
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) c[r] = hsum_ps(acc[r]) - hsum_ps(acc_min[r]);
}

QUIRE_Q8_TARGET float q4_k_x_q8_k(const uint8_t* w, const uint8_t* a, int64_t K) {
  float c;
  qk_4_5_rows<false, 1>(w, 0, a, K, &c);
  return c;
}
QUIRE_Q8_TARGET float q5_k_x_q8_k(const uint8_t* w, const uint8_t* a, int64_t K) {
  float c;
  qk_4_5_rows<true, 1>(w, 0, a, K, &c);
  return c;
}

// q6_K, R weight rows against one activation row, as qk_4_5_rows. The 16 int8 sub-block scales
// are kept as int16 with the even-numbered ones in the low 128-bit lane and the odd ones in the
// high lane: the two 16-element halves of quarter j of half h use scales 8h+2j and 8h+2j+1,
// i.e. int16 element 4h+j of each lane, which one byte shuffle broadcasts.
template <int R>
QUIRE_Q8_TARGET inline void q6_k_rows(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t K, float* c) {
  const __m256i low4 = _mm256_set1_epi8(0xF), bits45 = _mm256_set1_epi8(0x30);
  const __m128i evens_odds = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  __m256 acc[R];
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  NextRows next(w, w_stride, R, K / 256);
  for (int64_t k = 0; k < K; k += 256, w += quant::q6_k::bytes, a += q8k::bytes) {
    if constexpr (R > 1) next.step();
    const __m256i bsums = load256(a + q8k::bsums);
    __m256i scales[R], sumi[R];
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + r * w_stride + quant::q6_k::scales));
      // The -32 offset: 32 * sum_s sc_s * bsums[s], subtracted from the integer sum.
      const __m256i offset = _mm256_madd_epi16(bsums, _mm256_cvtepi8_epi16(sc8));
      sumi[r] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));
      scales[r] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, evens_odds));
    }
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ah = a + q8k::qs + 128 * h;
      const __m256i av[4] = {load256(ah), load256(ah + 32), load256(ah + 64), load256(ah + 96)};
      #pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        const uint8_t* wr = w + r * w_stride;
        const __m256i ql0 = load256(wr + quant::q6_k::ql + 64 * h);
        const __m256i ql1 = load256(wr + quant::q6_k::ql + 64 * h + 32);
        const __m256i qh = load256(wr + quant::q6_k::qh + 32 * h);
        // Quarter j (elements 32j.. of this half) takes bits 2j, 2j+1 of qh as its bits 4, 5.
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
            _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45))};
        for (int j = 0; j < 4; ++j) {
          const __m256i pick = _mm256_set1_epi16(short(0x0100 + 0x0202 * (4 * h + j)));
          const __m256i p = _mm256_maddubs_epi16(q[j], av[j]);
          sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(p, _mm256_shuffle_epi8(scales[r], pick)));
        }
      }
    }
    const float da = f32_at(a + q8k::d);
    #pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_at(w + r * w_stride + quant::q6_k::d) * da),
                               _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
  }
  #pragma GCC unroll 4
  for (int r = 0; r < R; ++r) c[r] = hsum_ps(acc[r]);
}

QUIRE_Q8_TARGET float q6_k_x_q8_k(const uint8_t* w, const uint8_t* a, int64_t K) {
  float c;
  q6_k_rows<1>(w, 0, a, K, &c);
  return c;
}

// ---- Four activation rows per weight row (prefill): each weight block is decoded once and
// multiplied into 4 activation rows, which amortizes the unpacking and scale work 4 ways.
// c[r * c_stride] = dot(w, a + r * a_stride) for r < 4. Same integer sums as the one-row kernels.

template <bool kQ4>
QUIRE_Q8_TARGET void q8_0_q4_0_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c,
                                  int64_t cs) {
  constexpr int wb = kQ4 ? quant::q4_0::bytes : quant::q8_0::bytes, ab = quant::q8_0::bytes;
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t k = 0; k < K; k += 32, w += wb, a += ab) {
    const __m256i wq = kQ4 ? q4_0_bytes(w + quant::q4_0::qs) : load256(w + quant::q8_0::qs);
    const __m256i uw = _mm256_sign_epi8(wq, wq);
    const float dw = half_at(w);
    for (int r = 0; r < 4; ++r) {
      const uint8_t* ar = a + r * as;
      const __m256i s = dot_u8s8(_mm256_setzero_si256(), uw, _mm256_sign_epi8(load256(ar + quant::q8_0::qs), wq));
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dw * half_at(ar)), _mm256_cvtepi32_ps(s), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) c[r * cs] = hsum_ps(acc[r]);
}

template <bool kFive>
QUIRE_Q8_TARGET void qk_4_5_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c,
                               int64_t cs) {
  constexpr int wb = kFive ? quant::q5_k::bytes : quant::q4_k::bytes;
  constexpr int qs_at = kFive ? quant::q5_k::qs : quant::q4_k::qs;
  const __m256i low4 = _mm256_set1_epi8(0xF), bit4 = _mm256_set1_epi8(0x10);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  float mins[4] = {};
  for (int64_t k = 0; k < K; k += 256, w += wb, a += q8k::bytes) {
    uint32_t sc32[2], m32[2];
    scales_mins_k4(w + quant::q4_k::scales, sc32, m32);
    uint8_t sc[8];
    std::memcpy(sc, sc32, sizeof sc);
    const __m256i m8 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(m32)));
    const float d = half_at(w + quant::q4_k::d), dmin = half_at(w + quant::q4_k::dmin);
    __m256i sumi[4];
    for (int r = 0; r < 4; ++r) {
      const uint8_t* ar = a + r * as;
      const __m256i pairs = _mm256_madd_epi16(load256(ar + q8k::bsums), _mm256_set1_epi16(1));
      mins[r] += dmin * f32_at(ar + q8k::d) * float(hsum_epi32(_mm256_mullo_epi32(pairs, m8)));
      sumi[r] = _mm256_setzero_si256();
    }
    __m256i qh = kFive ? load256(w + quant::q5_k::qh) : _mm256_setzero_si256();
    for (int g = 0; g < 4; ++g) {
      const __m256i q = load256(w + qs_at + 32 * g);
      __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      if constexpr (kFive) {
        lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(qh, 4), bit4));
        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_slli_epi16(qh, 3), bit4));
        qh = _mm256_srli_epi16(qh, 2);
      }
      const __m256i s_lo = _mm256_set1_epi16(sc[2 * g]), s_hi = _mm256_set1_epi16(sc[2 * g + 1]);
      for (int r = 0; r < 4; ++r) {
        const uint8_t* ar = a + r * as + q8k::qs + 64 * g;
        const __m256i p_lo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load256(ar)), s_lo);
        const __m256i p_hi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load256(ar + 32)), s_hi);
        sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(p_lo, p_hi));
      }
    }
    for (int r = 0; r < 4; ++r) {
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * f32_at(a + r * as + q8k::d)), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) c[r * cs] = hsum_ps(acc[r]) - mins[r];
}

QUIRE_Q8_TARGET void q6_k_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c, int64_t cs) {
  const __m256i low4 = _mm256_set1_epi8(0xF), bits45 = _mm256_set1_epi8(0x30);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t k = 0; k < K; k += 256, w += quant::q6_k::bytes, a += q8k::bytes) {
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + quant::q6_k::scales));
    const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
    // Even scales in the low lane, odd in the high (q6_k_rows says why).
    const __m256i sc_eo = _mm256_cvtepi8_epi16(
        _mm_shuffle_epi8(sc8, _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)));
    __m256i sumi[4];
    for (int r = 0; r < 4; ++r) {
      const __m256i offset = _mm256_madd_epi16(load256(a + r * as + q8k::bsums), sc16);
      sumi[r] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(offset, 5));
    }
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = load256(w + quant::q6_k::ql + 64 * h);
      const __m256i ql1 = load256(w + quant::q6_k::ql + 64 * h + 32);
      const __m256i qh = load256(w + quant::q6_k::qh + 32 * h);
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
          _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, bits45)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                          _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45))};
      for (int j = 0; j < 4; ++j) {
        const __m256i scales = _mm256_shuffle_epi8(sc_eo, _mm256_set1_epi16(short(0x0100 + 0x0202 * (4 * h + j))));
        for (int r = 0; r < 4; ++r) {
          const __m256i p = _mm256_maddubs_epi16(q[j], load256(a + r * as + q8k::qs + 128 * h + 32 * j));
          sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(p, scales));
        }
      }
    }
    const float d = half_at(w + quant::q6_k::d);
    for (int r = 0; r < 4; ++r) {
      acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * f32_at(a + r * as + q8k::d)), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
  }
  for (int r = 0; r < 4; ++r) c[r * cs] = hsum_ps(acc[r]);
}

QUIRE_Q8_TARGET void q8_0_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c, int64_t cs) {
  q8_0_q4_0_x4<false>(w, a, as, K, c, cs);
}
QUIRE_Q8_TARGET void q4_0_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c, int64_t cs) {
  q8_0_q4_0_x4<true>(w, a, as, K, c, cs);
}
QUIRE_Q8_TARGET void q4_k_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c, int64_t cs) {
  qk_4_5_x4<false>(w, a, as, K, c, cs);
}
QUIRE_Q8_TARGET void q5_k_x4(const uint8_t* w, const uint8_t* a, int64_t as, int64_t K, float* c, int64_t cs) {
  qk_4_5_x4<true>(w, a, as, K, c, cs);
}

QUIRE_Q8_TARGET void q8_0_rows4(const uint8_t* w, int64_t ws, const uint8_t* a, int64_t K, float* c) {
  q8_0_q4_0_rows<false, 4>(w, ws, a, K, c);
}
QUIRE_Q8_TARGET void q4_0_rows4(const uint8_t* w, int64_t ws, const uint8_t* a, int64_t K, float* c) {
  q8_0_q4_0_rows<true, 4>(w, ws, a, K, c);
}
QUIRE_Q8_TARGET void q4_k_rows4(const uint8_t* w, int64_t ws, const uint8_t* a, int64_t K, float* c) {
  qk_4_5_rows<false, 4>(w, ws, a, K, c);
}
QUIRE_Q8_TARGET void q5_k_rows4(const uint8_t* w, int64_t ws, const uint8_t* a, int64_t K, float* c) {
  qk_4_5_rows<true, 4>(w, ws, a, K, c);
}
QUIRE_Q8_TARGET void q6_k_rows4(const uint8_t* w, int64_t ws, const uint8_t* a, int64_t K, float* c) {
  q6_k_rows<4>(w, ws, a, K, c);
}

Q8DotRows4 q8_dot_rows4_table(DType type) {
  switch (type) {
    case DType::q4_k: return q4_k_rows4;
    case DType::q5_k: return q5_k_rows4;
    case DType::q6_k: return q6_k_rows4;
    case DType::q8_0: return q8_0_rows4;
    case DType::q4_0: return q4_0_rows4;
    case DType::f32:
    case DType::f16:
    case DType::bf16: return nullptr;
  }
  return nullptr;
}

Q8Dot4 q8_dot4_table(DType type) {
  switch (type) {
    case DType::q8_0: return q8_0_x4;
    case DType::q4_0: return q4_0_x4;
    case DType::q4_k: return q4_k_x4;
    case DType::q5_k: return q5_k_x4;
    case DType::q6_k: return q6_k_x4;
    case DType::f32:
    case DType::f16:
    case DType::bf16: return nullptr;
  }
  return nullptr;
}

// The table of one build.
Q8Dot q8_dot_table(DType type) {
  switch (type) {
    case DType::q8_0: return q8_0_x_q8_0;
    case DType::q4_0: return q4_0_x_q8_0;
    case DType::q4_k: return q4_k_x_q8_k;
    case DType::q5_k: return q5_k_x_q8_k;
    case DType::q6_k: return q6_k_x_q8_k;
    case DType::f32:
    case DType::f16:
    case DType::bf16: return nullptr;
  }
  return nullptr;
}

}  // namespace
}  // namespace kern::cpu::detail
