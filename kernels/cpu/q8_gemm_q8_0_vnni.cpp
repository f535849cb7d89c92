// AVX-512 VNNI integer GEMM for prefill: q8_0 or q4_0 weights x q8_0 activations
// (interface and contract: kernels/cpu/q8_gemm.h).
//
// Algorithm. Both operands are first repacked so that one zmm lane holds one 32-element block:
// a "group" is 16 consecutive blocks (512 elements) of a row, stored as 8 vectors where vector j,
// lane l holds bytes 4j..4j+3 of block l. Eight vpdpbusd over a group then leave each lane with
// the complete integer dot of one block pair, so the per-block scales are applied with one
// convert, one multiply and one fused multiply-add per (activation row, weight row, 16 blocks),
// and the only horizontal sum is one per output at the end of K.
//   vpdpbusd multiplies u8 by s8: activations are stored offset by 128 (q ^ 0x80, 0..255) and
//   the weights stay signed (q4_0 decoded to nibble - 8 while packing); the offset adds
//   128 * sum(w block) to each lane, which the packed weights carry as a per-lane start value
//   -128 * sum(w block), so it costs nothing in the inner loop.
//   Packed activation group: 8 x 64 B quants + 16 float scales (576 B).
//   Packed weight group: 8 x 64 B quants + 16 int32 start values + 16 float scales (640 B).
//   K is padded to whole groups with zero blocks (quants 0, scales 0).
// Register tile: kMr activation rows x kNr weight rows, 2 * kMr * kNr + kNr + 1 zmm registers
//   (int32 block sums, float accumulators, the weight vectors of one step, one activation vector):
//   each weight vector is reused kMr times and each activation vector kNr times from registers.
// Cache blocking: the activation rows are packed once per call (kMr rows x K stay in L1 while a
//   weight panel is swept); the weight rows are packed kPanelBytes at a time (L2) and every
//   activation tile sweeps the panel, so each weight byte is read from memory once per call.
// Parallelization: none (callers split N over threads; each call packs its own activations).
// Numerics: block sums are exact int32 (|sum| <= 32 * 255 * 128 < 2^21); per block one float
//   product of the two fp16 scales and one float multiply-add, then float sums over blocks and
//   lanes. Equal to kern::ref::dot_q8 up to float summation error.
#include "kernels/cpu/q8_gemm.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/quant_blocks.h"

#define QUIRE_GEMM_TARGET \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

namespace kern::cpu::detail {
namespace {

constexpr int kMr = 3, kNr = 4;
constexpr int64_t kBlock = 32, kGroupBlocks = 16;
constexpr int64_t kQuantBytes = 8 * 64;                         // quants of one group
constexpr int64_t kAGroupBytes = kQuantBytes + 64;              // + 16 float scales
constexpr int64_t kWGroupBytes = kQuantBytes + 64 + 64;         // + start values + scales
constexpr int64_t kPanelBytes = int64_t{256} << 10;             // packed weight panel (L2)

struct alignas(64) Line {
  uint8_t b[64];
};

// Packed rows (whole groups) of `rows` rows; zero-initialized.
std::vector<Line> packed_buffer(int64_t rows, int64_t row_bytes) {
  return std::vector<Line>(static_cast<size_t>(rows * row_bytes / 64));
}

// Writes the 32 quant bytes q of block `lane` into a packed group (vector j, lane l <- q[4j..]).
inline void scatter_block(uint8_t* group, int64_t lane, const uint8_t* q) {
  for (int j = 0; j < 8; ++j) std::memcpy(group + 64 * j + 4 * lane, q + 4 * j, 4);
}

// Packs M activation rows (q8_0, row m at a + m * a_stride, `blocks` blocks) into `out`
// (rows of groups * kAGroupBytes; rows >= M and padding blocks stay zero).
void pack_activations(const uint8_t* a, int64_t a_stride, int64_t M, int64_t blocks,
                      int64_t groups, uint8_t* out) {
  const int64_t row_bytes = groups * kAGroupBytes;
  for (int64_t m = 0; m < M; ++m) {
    const uint8_t* src = a + m * a_stride;
    uint8_t* dst = out + m * row_bytes;
    for (int64_t b = 0; b < blocks; ++b, src += quant::q8_0::bytes) {
      uint8_t* group = dst + (b / kGroupBlocks) * kAGroupBytes;
      const int64_t lane = b % kGroupBlocks;
      uint8_t q[kBlock];
      for (int i = 0; i < kBlock; ++i) q[i] = src[quant::q8_0::qs + i] ^ 0x80;
      scatter_block(group, lane, q);
      const float d = quant::load_half(src + quant::q8_0::d);
      std::memcpy(group + kQuantBytes + 4 * lane, &d, 4);
    }
  }
}

// Packs `rows` weight rows (row n at w + n * w_stride) into `out` (rows of
// groups * kWGroupBytes), padding blocks of the last group set to zero.
template <bool kQ4>
QUIRE_GEMM_TARGET void pack_weights(const uint8_t* w, int64_t w_stride, int64_t rows,
                                    int64_t blocks, int64_t groups, uint8_t* out) {
  constexpr int64_t wb = kQ4 ? quant::q4_0::bytes : quant::q8_0::bytes;
  const int64_t row_bytes = groups * kWGroupBytes;
  for (int64_t n = 0; n < rows; ++n) {
    const uint8_t* src = w + n * w_stride;
    uint8_t* dst = out + n * row_bytes;
    std::memset(dst + (groups - 1) * kWGroupBytes, 0, kWGroupBytes);  // reused buffer
    for (int64_t b = 0; b < blocks; ++b, src += wb) {
      uint8_t* group = dst + (b / kGroupBlocks) * kWGroupBytes;
      const int64_t lane = b % kGroupBlocks;
      alignas(32) uint8_t q[kBlock];
      if constexpr (kQ4) {  // element j < 16: low nibble of qs[j]; j + 16: its high nibble
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + quant::q4_0::qs));
        const __m128i low4 = _mm_set1_epi8(0xF), eight = _mm_set1_epi8(8);
        _mm_store_si128(reinterpret_cast<__m128i*>(q), _mm_sub_epi8(_mm_and_si128(x, low4), eight));
        _mm_store_si128(reinterpret_cast<__m128i*>(q + 16),
                        _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(x, 4), low4), eight));
      } else {
        std::memcpy(q, src + quant::q8_0::qs, kBlock);
      }
      scatter_block(group, lane, q);
      const float d = quant::load_half(src);
      std::memcpy(group + kQuantBytes + 64 + 4 * lane, &d, 4);
    }
    // Start values: -128 * sum(w block) per lane, the activations' +128 offset taken out.
    for (int64_t g = 0; g < groups; ++g) {
      uint8_t* group = dst + g * kWGroupBytes;
      __m512i s = _mm512_setzero_si512();
      for (int j = 0; j < 8; ++j) {
        s = _mm512_dpbusd_epi32(s, _mm512_set1_epi8(char(0x80)), _mm512_load_si512(group + 64 * j));
      }
      _mm512_store_si512(group + kQuantBytes, _mm512_sub_epi32(_mm512_setzero_si512(), s));
    }
  }
}

// int32 to float and the sum of 16 lanes. The zero-masked forms because GCC 12 warns
// (maybe-uninitialized) on the plain intrinsics' undefined pass-through operands.
QUIRE_GEMM_TARGET inline __m512 to_float(__m512i v) { return _mm512_maskz_cvtepi32_ps(0xFFFF, v); }

QUIRE_GEMM_TARGET inline float hsum(__m512 v) {
  const __m512 halves = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0x4E));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, halves);
  const __m256 h = _mm256_load_ps(lanes);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// out[m * kNr + n] = dot(activation row m of ap, weight row n of wp) over `groups` groups;
// ap rows a_row bytes apart, wp rows w_row bytes apart, both 64-byte aligned.
QUIRE_GEMM_TARGET void micro_tile(const uint8_t* ap, int64_t a_row, const uint8_t* wp,
                                  int64_t w_row, int64_t groups, float* out) {
  __m512 acc[kMr][kNr];
  for (auto& row : acc) {
    for (__m512& v : row) v = _mm512_setzero_ps();
  }
  for (int64_t g = 0; g < groups; ++g, ap += kAGroupBytes, wp += kWGroupBytes) {
    __m512i sum[kMr][kNr];
    for (int n = 0; n < kNr; ++n) {
      const __m512i start = _mm512_load_si512(wp + n * w_row + kQuantBytes);
      for (int m = 0; m < kMr; ++m) sum[m][n] = start;
    }
    for (int j = 0; j < 8; ++j) {
      __m512i wv[kNr];
      for (int n = 0; n < kNr; ++n) wv[n] = _mm512_load_si512(wp + n * w_row + 64 * j);
      for (int m = 0; m < kMr; ++m) {
        const __m512i av = _mm512_load_si512(ap + m * a_row + 64 * j);
        for (int n = 0; n < kNr; ++n) sum[m][n] = _mm512_dpbusd_epi32(sum[m][n], av, wv[n]);
      }
    }
    for (int m = 0; m < kMr; ++m) {
      const __m512 da = _mm512_load_ps(ap + m * a_row + kQuantBytes);
      for (int n = 0; n < kNr; ++n) {
        const __m512 scale = _mm512_mul_ps(da, _mm512_load_ps(wp + n * w_row + kQuantBytes + 64));
        acc[m][n] = _mm512_fmadd_ps(to_float(sum[m][n]), scale, acc[m][n]);
      }
    }
  }
  for (int m = 0; m < kMr; ++m) {
    for (int n = 0; n < kNr; ++n) out[m * kNr + n] = hsum(acc[m][n]);
  }
}

template <bool kQ4>
QUIRE_GEMM_TARGET void gemm(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t a_stride,
                            int64_t M, int64_t N, int64_t K, float* C, int64_t ldc) {
  const int64_t blocks = K / kBlock;
  const int64_t groups = std::max<int64_t>(1, (blocks + kGroupBlocks - 1) / kGroupBlocks);
  const int64_t a_row = groups * kAGroupBytes, w_row = groups * kWGroupBytes;
  const int64_t m_tiles = (M + kMr - 1) / kMr;
  std::vector<Line> apack = packed_buffer(m_tiles * kMr, a_row);
  auto* ap = reinterpret_cast<uint8_t*>(apack.data());
  pack_activations(a, a_stride, M, blocks, groups, ap);

  const int64_t panel = std::clamp<int64_t>(kPanelBytes / w_row / kNr * kNr, kNr,
                                            (N + kNr - 1) / kNr * kNr);
  std::vector<Line> wpack = packed_buffer(panel, w_row);
  auto* wp = reinterpret_cast<uint8_t*>(wpack.data());
  for (int64_t n0 = 0; n0 < N; n0 += panel) {
    const int64_t rows = std::min(panel, N - n0);
    pack_weights<kQ4>(w + n0 * w_stride, w_stride, rows, blocks, groups, wp);
    for (int64_t mt = 0; mt < m_tiles; ++mt) {
      const int64_t m0 = mt * kMr, mr = std::min<int64_t>(kMr, M - m0);
      for (int64_t r0 = 0; r0 < rows; r0 += kNr) {
        // Rows past `rows` hold stale or zero packed data; their outputs are dropped below.
        float out[kMr * kNr];
        micro_tile(ap + m0 * a_row, a_row, wp + r0 * w_row, w_row, groups, out);
        const int64_t nr = std::min<int64_t>(kNr, rows - r0);
        for (int64_t m = 0; m < mr; ++m) {
          for (int64_t n = 0; n < nr; ++n) C[(m0 + m) * ldc + n0 + r0 + n] = out[m * kNr + n];
        }
      }
    }
  }
}

void gemm_q8_0(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t a_stride, int64_t M,
               int64_t N, int64_t K, float* C, int64_t ldc) {
  gemm<false>(w, w_stride, a, a_stride, M, N, K, C, ldc);
}

void gemm_q4_0(const uint8_t* w, int64_t w_stride, const uint8_t* a, int64_t a_stride, int64_t M,
               int64_t N, int64_t K, float* C, int64_t ldc) {
  gemm<true>(w, w_stride, a, a_stride, M, N, K, C, ldc);
}

}  // namespace

Q8Gemm q8_gemm_q8_0_vnni(DType type) {
  switch (type) {
    case DType::q8_0: return gemm_q8_0;
    case DType::q4_0: return gemm_q4_0;
    case DType::f32:
    case DType::f16:
    case DType::bf16:
    case DType::q4_k:
    case DType::q5_k:
    case DType::q6_k: return nullptr;
  }
  return nullptr;
}

}  // namespace kern::cpu::detail

#else  // not x86: no VNNI build

namespace kern::cpu::detail {
Q8Gemm q8_gemm_q8_0_vnni(DType) { return nullptr; }
}  // namespace kern::cpu::detail

#endif
