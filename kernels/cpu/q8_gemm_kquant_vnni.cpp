// AVX-512 VNNI integer GEMM for the K-quants (q4_K, q5_K, q6_K weights x q8_K activations), the
// prefill counterpart of q8_dot_kernels.inl (which has the per-type algebra this file reuses).
//
// Algorithm. "Output lanes": a 512-bit vector holds 16 int32 lanes, lane r for weight row n0 + r,
// each lane covering 4 consecutive k. Per call, every panel of 16 weight rows is decoded once
// into a scratch buffer (GGUF bytes stay where they are; nothing is repacked at model load):
// per super-block 64 vectors of unsigned quants (step t = elements 4t..4t+3 of each row: nibbles
// -> bytes, q5_K's bit 4 from qh, q6_K's bits 4-5 from qh; 16 x 8 dword transposes bring the 16
// rows' bytes into the lanes), the sub-block scales as int32 lanes, the mins (q4_K/q5_K) or
// -32 * scale (q6_K) as int16 pairs, and the fp16 d (and dmin) as f32 lanes. A register tile of kMr activation rows x 16 weight rows
// then walks the panel: vpdpbusd (u8 weight quants x s8 activation quants, 4-byte activation
// groups broadcast) accumulates one sub-block in int32, vpmulld applies its scale per lane, the
// scaled sub-block sums add up over the super-block, and one float multiply-add per super-block
// and activation row (d_w * d_a) adds it to the f32 accumulators. The min terms (q4_K/q5_K:
// dmin * sum_s m_s * (bsums[2s] + bsums[2s+1])) and q6_K's offset (-32 * sum_s sc_s * bsums[s])
// come from the activation's bsums through vpdpwssd, as in q8_dot_kernels.inl. A panel is
// decoded once per call and read by all M activation rows (5-6 KiB per super-block: L1/L2);
// inside a tile each weight vector feeds kMr rows and each activation broadcast 16 weight rows.
//
// Parallelization: none inside (q8_gemm.h: callers split N or M over threads). Edge tiles: N
// tails are panels with fewer than 16 valid lanes (rows beyond N read as zeros, never loaded;
// masked stores); M tails use the same tile with fewer rows.
//
// Numerics: every quant product and sum is an exact integer; no int16 intermediates saturate.
// Bounds with |a| <= 128 (q8_K gives |a| <= 127), weight quants q <= 15 / 31 / 63:
//   vpdpbusd, one sub-block per lane (32 products q4_K/q5_K, 16 q6_K):
//     <= 32 * 31 * 128 = 126976, resp. 16 * 63 * 128 = 129024 (int32, far from 2^31)
//   scaled super-block sum per lane: q4_K/q5_K 8 * 126976 * 63 < 2^26;
//     q6_K 16 * 129024 * 128 + offset 32 * 16 * 128 * 2048 < 2^29
//   vpdpwssd operands (int16): mins 0..63, -32 * sc in [-4064, 4096], bsums in [-2048, 2048];
//     vpdpwssd forms int32 products, so no int16 sum exists anywhere (no vpmaddubsw is used).
// Float: one rounding of d_w * d_a (and dmin_w * d_a) per super-block, the int32 -> f32
// conversion (exact below 2^24, one rounding above), and the f32 accumulation over super-blocks:
// equal to kern::ref::dot_q8 up to float summation error.
#include "kernels/cpu/q8_gemm.h"

#if defined(__x86_64__) || defined(__i386__)

// GCC 12's 512-bit intrinsics start from _mm512_undefined_*() (`__m512i __Y = __Y;`), which
// -Wmaybe-uninitialized reports once inlined (GCC bug 105593, fixed in GCC 13). The pragma must
// precede the header, since the warning is located there.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"

#define QUIRE_KQ_TARGET \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

namespace kern::cpu::detail {
namespace {

enum class Kq { q4, q5, q6 };

constexpr int kNr = 16;  // weight rows per panel: the int32 lanes of one vector
constexpr int kMr = 8;   // activation rows per register tile (2 * kMr accumulators)
constexpr int kVec = 64;

// The decoded panel of one super-block, in vectors of 64 bytes (offsets in vectors).
struct Layout {
  int q;      // 64 quant vectors, step t: lane r = row r's elements 4t..4t+3 as u8
  int sc;     // sub-block scales, int32 lanes (8 for q4_K/q5_K, 16 for q6_K)
  int bias;   // 8 int16-pair vectors: (m_s, m_s) (q4_K/q5_K) or (-32 sc_2u, -32 sc_2u+1) (q6_K)
  int d;      // f32 lanes
  int dmin;   // f32 lanes (q4_K/q5_K only)
  int vecs;   // per super-block
};
constexpr Layout layout(Kq t) {
  return t == Kq::q6 ? Layout{0, 64, 80, 88, 88, 89} : Layout{0, 64, 72, 80, 81, 82};
}
constexpr int block_bytes(Kq t) {
  return t == Kq::q4 ? quant::q4_k::bytes : t == Kq::q5 ? quant::q5_k::bytes : quant::q6_k::bytes;
}

QUIRE_KQ_TARGET inline __m512i vec_at(const uint8_t* p, int i) {
  return _mm512_loadu_si512(p + i * kVec);
}
QUIRE_KQ_TARGET inline void put_vec(uint8_t* p, int i, __m512i v) { _mm512_storeu_si512(p + i * kVec, v); }

// The 4 bytes at p in every 32-bit lane.
QUIRE_KQ_TARGET inline __m512i bcast4(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm512_set1_epi32(int(v));
}

QUIRE_KQ_TARGET inline float f32_at(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The 4 bytes at p + (row r's offset) for the 16 rows, rows outside the masks read as 0.
struct Rows {
  __m512i idx_lo, idx_hi;  // int64 byte offsets of rows 0-7 and 8-15
  __mmask8 m_lo, m_hi;
};
QUIRE_KQ_TARGET inline __m512i gather16(const uint8_t* p, const Rows& rows) {
  const __m256i lo = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), rows.m_lo, rows.idx_lo, p, 1);
  const __m256i hi = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), rows.m_hi, rows.idx_hi, p, 1);
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// out[j] lane r = dword j (bytes 4j..4j+3) of the 32 bytes at p + r * stride, for 16 rows; rows
// r >= rows read as 0 (never loaded). Two rows per vector (r and r + 8 in its 256-bit halves),
// then the 8 x 8 dword transpose of both halves at once (unpack 32, unpack 64, cross-lane
// permute): 32 shuffles for 16 x 8 dwords, several times cheaper than 16-lane gathers.
QUIRE_KQ_TARGET inline __m256i row_or_zero(const uint8_t* p, int64_t stride, int r, int rows) {
  return r < rows ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + r * stride)) : _mm256_setzero_si256();
}
QUIRE_KQ_TARGET inline void rows_to_lanes(const uint8_t* p, int64_t stride, int rows, __m512i out[8]) {
  __m512i z[8];
  for (int r = 0; r < 8; ++r) {
    z[r] = _mm512_inserti64x4(_mm512_castsi256_si512(row_or_zero(p, stride, r, rows)), row_or_zero(p, stride, r + 8, rows), 1);
  }
  __m512i t[8], u[8];
  for (int i = 0; i < 4; ++i) {  // t[2i], t[2i+1]: rows 2i, 2i+1 interleaved by dword
    t[2 * i] = _mm512_unpacklo_epi32(z[2 * i], z[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(z[2 * i], z[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {  // u[4i + j]: dword j (128-bit lanes 0, 2) and j + 4 (1, 3) of 4 rows
    u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  const __m512i even = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0), odd = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
  for (int j = 0; j < 4; ++j) {
    out[j] = _mm512_permutex2var_epi64(u[j], even, u[4 + j]);
    out[j + 4] = _mm512_permutex2var_epi64(u[j], odd, u[4 + j]);
  }
}

// Bits [shift, shift + width) of every byte of v, moved to bit `to` (shifts on 32-bit lanes; the
// byte mask drops what crossed from the neighbouring byte).
template <int kShift, int kBits, int kTo>
QUIRE_KQ_TARGET inline __m512i byte_bits(__m512i v) {
  const __m512i mask = _mm512_set1_epi8(char((1 << kBits) - 1));
  return _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(v, kShift), mask), kTo);
}

// Decodes `rows` (1..16) weight rows starting at w (row r at w + r * w_stride) into the panel:
// nsb super-blocks of layout(kT).vecs vectors each, every field read for 16 rows at once (quants
// by rows_to_lanes, scales and d by gathers). Lanes r >= rows are zero.
template <Kq kT>
QUIRE_KQ_TARGET void pack_panel(const uint8_t* w, int64_t w_stride, int rows, int64_t nsb, uint8_t* panel) {
  constexpr Layout L = layout(kT);
  alignas(64) int64_t off[kNr];
  for (int r = 0; r < kNr; ++r) off[r] = r < rows ? r * w_stride : 0;
  const unsigned valid = rows >= kNr ? 0xFFFFu : (1u << rows) - 1u;
  const Rows R{_mm512_load_si512(off), _mm512_load_si512(off + 8), __mmask8(valid & 0xFF), __mmask8(valid >> 8)};
  for (int64_t sb = 0; sb < nsb; ++sb, w += block_bytes(kT), panel += L.vecs * kVec) {
    if constexpr (kT == Kq::q6) {
      for (int h = 0; h < 2; ++h) {
        __m512i l0[8], l1[8], qh[8];
        rows_to_lanes(w + quant::q6_k::ql + 64 * h, w_stride, rows, l0);
        rows_to_lanes(w + quant::q6_k::ql + 64 * h + 32, w_stride, rows, l1);
        rows_to_lanes(w + quant::q6_k::qh + 32 * h, w_stride, rows, qh);
        for (int j = 0; j < 8; ++j) {
          // Quarter i of half h (elements 128h + 32i + l) takes bits 2i, 2i+1 of qh[32h + l].
          put_vec(panel, 32 * h + j, _mm512_or_si512(byte_bits<0, 4, 0>(l0[j]), byte_bits<0, 2, 4>(qh[j])));
          put_vec(panel, 32 * h + 8 + j, _mm512_or_si512(byte_bits<0, 4, 0>(l1[j]), byte_bits<2, 2, 4>(qh[j])));
          put_vec(panel, 32 * h + 16 + j, _mm512_or_si512(byte_bits<4, 4, 0>(l0[j]), byte_bits<4, 2, 4>(qh[j])));
          put_vec(panel, 32 * h + 24 + j, _mm512_or_si512(byte_bits<4, 4, 0>(l1[j]), byte_bits<6, 2, 4>(qh[j])));
        }
      }
      // int8 scales[s] = byte s % 4 of the dword at scales + 4 * (s / 4), sign-extended.
      __m512i sc[16];
      for (int i = 0; i < 4; ++i) {
        const __m512i x = gather16(w + quant::q6_k::scales + 4 * i, R);
        sc[4 * i + 0] = _mm512_srai_epi32(_mm512_slli_epi32(x, 24), 24);
        sc[4 * i + 1] = _mm512_srai_epi32(_mm512_slli_epi32(x, 16), 24);
        sc[4 * i + 2] = _mm512_srai_epi32(_mm512_slli_epi32(x, 8), 24);
        sc[4 * i + 3] = _mm512_srai_epi32(x, 24);
      }
      for (int s = 0; s < 16; ++s) put_vec(panel, L.sc + s, sc[s]);
      const __m512i lo16 = _mm512_set1_epi32(0xFFFF);
      for (int u = 0; u < 8; ++u) {  // int16 pair (-32 sc_2u, -32 sc_2u+1)
        const __m512i lo = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sc[2 * u], 5));
        const __m512i hi = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sc[2 * u + 1], 5));
        put_vec(panel, L.bias + u, _mm512_or_si512(_mm512_and_si512(lo, lo16), _mm512_slli_epi32(hi, 16)));
      }
      // The fp16 d is the high half of the dword at d - 2 (a dword at d would pass the block end).
      const __m512i dh = _mm512_srli_epi32(gather16(w + quant::q6_k::d - 2, R), 16);
      put_vec(panel, L.d, _mm512_castps_si512(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(dh))));
    } else {
      constexpr int qs = kT == Kq::q5 ? quant::q5_k::qs : quant::q4_k::qs;
      __m512i qh[8];
      if constexpr (kT == Kq::q5) rows_to_lanes(w + quant::q5_k::qh, w_stride, rows, qh);
      for (int g = 0; g < 4; ++g) {
        __m512i q[8];
        rows_to_lanes(w + qs + 32 * g, w_stride, rows, q);
        for (int j = 0; j < 8; ++j) {
          const __m512i x = q[j];
          __m512i lo = byte_bits<0, 4, 0>(x), hi = byte_bits<4, 4, 0>(x);
          if constexpr (kT == Kq::q5) {  // element l of sub-block s: bit s of qh[l] is bit 4
            lo = _mm512_or_si512(lo, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(qh[j], 2 * g),
                                                                        _mm512_set1_epi8(1)), 4));
            hi = _mm512_or_si512(hi, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(qh[j], 2 * g + 1),
                                                                        _mm512_set1_epi8(1)), 4));
          }
          put_vec(panel, 16 * g + j, lo);
          put_vec(panel, 16 * g + 8 + j, hi);
        }
      }
      // quant::scale_min_k4 on 16 rows at once: sub-block s < 4 is byte s of lo, s >= 4 byte
      // s - 4 of hi, for the scales (sc_*) and the mins (m_*).
      const __m512i s0 = gather16(w + quant::q4_k::scales, R), s1 = gather16(w + quant::q4_k::scales + 4, R),
                    s2 = gather16(w + quant::q4_k::scales + 8, R);
      const __m512i low6 = _mm512_set1_epi8(0x3F), low4 = _mm512_set1_epi8(0x0F);
      const __m512i sc_lo = _mm512_and_si512(s0, low6), m_lo = _mm512_and_si512(s1, low6);
      const __m512i sc_hi = _mm512_or_si512(_mm512_and_si512(s2, low4), byte_bits<6, 2, 4>(s0));
      const __m512i m_hi = _mm512_or_si512(byte_bits<4, 4, 0>(s2), byte_bits<6, 2, 4>(s1));
      const __m512i byte0 = _mm512_set1_epi32(0xFF);
      for (int s = 0; s < 4; ++s) {
        const __m512i m0 = _mm512_and_si512(_mm512_srli_epi32(m_lo, 8 * s), byte0);
        const __m512i m1 = _mm512_and_si512(_mm512_srli_epi32(m_hi, 8 * s), byte0);
        put_vec(panel, L.sc + s, _mm512_and_si512(_mm512_srli_epi32(sc_lo, 8 * s), byte0));
        put_vec(panel, L.sc + 4 + s, _mm512_and_si512(_mm512_srli_epi32(sc_hi, 8 * s), byte0));
        put_vec(panel, L.bias + s, _mm512_or_si512(m0, _mm512_slli_epi32(m0, 16)));  // int16 pair (m, m)
        put_vec(panel, L.bias + 4 + s, _mm512_or_si512(m1, _mm512_slli_epi32(m1, 16)));
      }
      // fp16 d and dmin: the low and high halves of the block's first dword.
      const __m512i dd = gather16(w + quant::q4_k::d, R);
      put_vec(panel, L.d, _mm512_castps_si512(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(dd))));
      put_vec(panel, L.dmin, _mm512_castps_si512(_mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dd, 16)))));
    }
  }
}

// C[r * ldc + lane] for r < kRows and the lanes in nmask: the panel (nsb super-blocks) times
// kRows q8_K activation rows (row r at a + r * a_stride).
template <Kq kT, int kRows>
QUIRE_KQ_TARGET void tile(const uint8_t* panel, int64_t nsb, const uint8_t* a, int64_t a_stride, float* c,
                          int64_t ldc, __mmask16 nmask) {
  constexpr Layout L = layout(kT);
  constexpr int n_sub = kT == Kq::q6 ? 16 : 8;  // sub-blocks per super-block
  constexpr int steps = 64 / n_sub;             // 4-element steps per sub-block
  __m512 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t sb = 0; sb < nsb; ++sb, panel += L.vecs * kVec, a += q8k::bytes) {
    __m512i sumi[kRows];
    for (int r = 0; r < kRows; ++r) {
      // q6_K: the -32 offset starts the sum; q4_K/q5_K: the mins go to their own f32 term below.
      sumi[r] = _mm512_setzero_si512();
      if constexpr (kT == Kq::q6) {
        for (int u = 0; u < 8; ++u) {
          sumi[r] = _mm512_dpwssd_epi32(sumi[r], vec_at(panel, L.bias + u), bcast4(a + r * a_stride + q8k::bsums + 4 * u));
        }
      }
    }
    for (int s = 0; s < n_sub; ++s) {
      const __m512i sc = vec_at(panel, L.sc + s);
      for (int r = 0; r < kRows; ++r) {
        const uint8_t* aq = a + r * a_stride + q8k::qs + 4 * steps * s;
        // q4_K/q5_K: two dependency chains (even and odd steps) halve the 8-deep vpdpbusd chain
        // (measured +8%); q6_K's 4-deep chain loses more to the extra add than it gains.
        __m512i sub;
        if constexpr (steps == 8) {
          __m512i t0 = _mm512_setzero_si512(), t1 = _mm512_setzero_si512();
          for (int j = 0; j < steps; j += 2) {
            t0 = _mm512_dpbusd_epi32(t0, vec_at(panel, L.q + steps * s + j), bcast4(aq + 4 * j));
            t1 = _mm512_dpbusd_epi32(t1, vec_at(panel, L.q + steps * s + j + 1), bcast4(aq + 4 * j + 4));
          }
          sub = _mm512_add_epi32(t0, t1);
        } else {
          sub = _mm512_dpbusd_epi32(_mm512_setzero_si512(), vec_at(panel, L.q + steps * s), bcast4(aq));
          for (int j = 1; j < steps; ++j) sub = _mm512_dpbusd_epi32(sub, vec_at(panel, L.q + steps * s + j), bcast4(aq + 4 * j));
        }
        sumi[r] = _mm512_add_epi32(sumi[r], _mm512_mullo_epi32(sub, sc));
      }
    }
    const __m512 d = _mm512_castsi512_ps(vec_at(panel, L.d));
    for (int r = 0; r < kRows; ++r) {
      const uint8_t* ar = a + r * a_stride;
      const __m512 da = _mm512_set1_ps(f32_at(ar + q8k::d));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[r]), _mm512_mul_ps(d, da), acc[r]);
      if constexpr (kT != Kq::q6) {
        __m512i mins = _mm512_setzero_si512();
        for (int s = 0; s < 8; ++s) mins = _mm512_dpwssd_epi32(mins, vec_at(panel, L.bias + s), bcast4(ar + q8k::bsums + 4 * s));
        const __m512 dmin = _mm512_castsi512_ps(vec_at(panel, L.dmin));
        acc[r] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(mins), _mm512_mul_ps(dmin, da), acc[r]);
      }
    }
  }
  for (int r = 0; r < kRows; ++r) _mm512_mask_storeu_ps(c + r * ldc, nmask, acc[r]);
}

using TileFn = void (*)(const uint8_t*, int64_t, const uint8_t*, int64_t, float*, int64_t, __mmask16);

template <Kq kT, int... kRows>
constexpr TileFn tile_for_rows(int rows, std::integer_sequence<int, kRows...>) {
  TileFn fn = nullptr;
  ((rows == kRows + 1 ? (fn = tile<kT, kRows + 1>, 0) : 0), ...);
  return fn;
}

template <Kq kT>
QUIRE_KQ_TARGET void gemm(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t a_stride, int64_t M,
                          int64_t N, int64_t K, float* C, int64_t ldc) {
  constexpr Layout L = layout(kT);
  const int64_t nsb = K / quant::q4_k::elems;
  // The decoded panel: nsb * 5-6 KiB (L1/L2-resident for Llama widths), reused by all M rows.
  std::vector<uint8_t> scratch(size_t(nsb * L.vecs * kVec + kVec));
  uint8_t* panel = scratch.data() + (kVec - reinterpret_cast<uintptr_t>(scratch.data()) % kVec) % kVec;
  for (int64_t n0 = 0; n0 < N; n0 += kNr) {
    const int rows = int(N - n0 < kNr ? N - n0 : kNr);
    pack_panel<kT>(w + n0 * w_stride, w_stride, rows, nsb, panel);
    const auto nmask = __mmask16(rows == kNr ? 0xFFFFu : (1u << rows) - 1u);
    int64_t m = 0;
    for (; m + kMr <= M; m += kMr) tile<kT, kMr>(panel, nsb, a + m * a_stride, a_stride, C + m * ldc + n0, ldc, nmask);
    if (m < M) {
      const TileFn edge = tile_for_rows<kT>(int(M - m), std::make_integer_sequence<int, kMr - 1>{});
      edge(panel, nsb, a + m * a_stride, a_stride, C + m * ldc + n0, ldc, nmask);
    }
  }
}

}  // namespace

Q8Gemm q8_gemm_kquant_vnni(DType type) {
  switch (type) {
    case DType::q4_k: return gemm<Kq::q4>;
    case DType::q5_k: return gemm<Kq::q5>;
    case DType::q6_k: return gemm<Kq::q6>;
    case DType::f32:
    case DType::f16:
    case DType::bf16:
    case DType::q8_0:
    case DType::q4_0: return nullptr;
  }
  return nullptr;
}

}  // namespace kern::cpu::detail

#else  // not x86: no VNNI build

namespace kern::cpu::detail {
Q8Gemm q8_gemm_kquant_vnni(DType) { return nullptr; }
}  // namespace kern::cpu::detail

#endif
