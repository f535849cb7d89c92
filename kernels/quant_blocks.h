// GGML block layouts of the quantized weight types, bit for bit as ggml-common.h defines them,
// and the scalar decoder of one block of each. Shared by kern::ref (the oracle, checked against
// the independent numpy decoder tests/golden/ggml_quants_ref.py) and by the portable path of
// kern::cpu. Blocks are byte arrays read through memcpy, so any alignment is accepted.
//
// Layouts (little-endian; "half" is an fp16 scale):
//   q8_0  34 B / 32:  half d, int8 qs[32]                        y = d * q
//   q4_0  18 B / 32:  half d, uint8 qs[16]                        y = d * (nibble - 8);
//                     element j < 16 is the low nibble of qs[j], element j + 16 the high one
//   q4_K 144 B / 256: half d, half dmin, uint8 scales[12], uint8 qs[128]
//                     8 sub-blocks of 32 with 6-bit scale sc and min m (scale_min_k4):
//                     y = (d * sc) * q - (dmin * m). Within each group of 64 elements g, the
//                     first 32 are the low nibbles of qs[32g .. 32g+31], the next 32 the high.
//   q5_K 176 B / 256: half d, half dmin, uint8 scales[12], uint8 qh[32], uint8 qs[128]
//                     as q4_K with a fifth bit: element l (< 32) of sub-block s takes bit s of
//                     qh[l] as its value 16.
//   q6_K 210 B / 256: uint8 ql[128], uint8 qh[64], int8 scales[16], half d
//                     16 sub-blocks of 16, y = (d * scales[s]) * (q - 32), q 6 bits. In each
//                     half h (128 elements) with l < 32: elements l, l+32, l+64, l+96 take the
//                     low nibble of ql[64h+l], the low nibble of ql[64h+l+32], the high nibble
//                     of ql[64h+l], the high nibble of ql[64h+l+32], and bits (0-1, 2-3, 4-5,
//                     6-7) of qh[32h+l] as their top two bits.
// Numerics: the decoders evaluate exactly ggml's float expressions in ggml's order (products of
// fp32 values, no fused multiply-add), so they reproduce ggml's dequantized values exactly.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/half.h"

namespace kern::quant {

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, sizeof v); }
inline float load_half(const uint8_t* p) { return fp16_to_fp32(load_u16(p)); }

// Byte offsets of the fields inside one block.
namespace q8_0 { inline constexpr int d = 0, qs = 2, elems = 32, bytes = 34; }
namespace q4_0 { inline constexpr int d = 0, qs = 2, elems = 32, bytes = 18; }
namespace q4_k { inline constexpr int d = 0, dmin = 2, scales = 4, qs = 16, elems = 256, bytes = 144; }
namespace q5_k { inline constexpr int d = 0, dmin = 2, scales = 4, qh = 16, qs = 48, elems = 256, bytes = 176; }
namespace q6_k { inline constexpr int ql = 0, qh = 128, scales = 192, d = 208, elems = 256, bytes = 210; }

// The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes of q4_K / q5_K:
// j < 4: low 6 bits of s[j] (scale) and s[j+4] (min); j >= 4: the nibbles of s[j+4] give the
// low 4 bits, the top 2 bits of s[j-4] (scale) and s[j] (min) the high 2 bits.
inline void scale_min_k4(int j, const uint8_t* s, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = uint8_t((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
    m = uint8_t((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// decode_block_*(b, y): y[elems] = the values of the block at b.
inline void decode_block_q8_0(const uint8_t* b, float* y) {
  const float d = load_half(b + q8_0::d);
  for (int j = 0; j < 32; ++j) y[j] = float(int8_t(b[q8_0::qs + j])) * d;
}

inline void decode_block_q4_0(const uint8_t* b, float* y) {
  const float d = load_half(b + q4_0::d);
  for (int j = 0; j < 16; ++j) {
    y[j] = float((b[q4_0::qs + j] & 0xF) - 8) * d;
    y[j + 16] = float((b[q4_0::qs + j] >> 4) - 8) * d;
  }
}

inline void decode_block_q4_k(const uint8_t* b, float* y) {
  const float d = load_half(b + q4_k::d), dmin = load_half(b + q4_k::dmin);
  const uint8_t* q = b + q4_k::qs;
  for (int g = 0; g < 4; ++g, q += 32, y += 64) {
    uint8_t sc, m;
    scale_min_k4(2 * g, b + q4_k::scales, sc, m);
    const float d1 = d * float(sc), m1 = dmin * float(m);
    scale_min_k4(2 * g + 1, b + q4_k::scales, sc, m);
    const float d2 = d * float(sc), m2 = dmin * float(m);
    for (int l = 0; l < 32; ++l) y[l] = d1 * float(q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l) y[l + 32] = d2 * float(q[l] >> 4) - m2;
  }
}

inline void decode_block_q5_k(const uint8_t* b, float* y) {
  const float d = load_half(b + q5_k::d), dmin = load_half(b + q5_k::dmin);
  const uint8_t* q = b + q5_k::qs;
  const uint8_t* qh = b + q5_k::qh;
  for (int g = 0; g < 4; ++g, q += 32, y += 64) {
    uint8_t sc, m;
    scale_min_k4(2 * g, b + q5_k::scales, sc, m);
    const float d1 = d * float(sc), m1 = dmin * float(m);
    scale_min_k4(2 * g + 1, b + q5_k::scales, sc, m);
    const float d2 = d * float(sc), m2 = dmin * float(m);
    const int lo_bit = 2 * g, hi_bit = 2 * g + 1;
    for (int l = 0; l < 32; ++l) y[l] = d1 * float((q[l] & 0xF) | (((qh[l] >> lo_bit) & 1) << 4)) - m1;
    for (int l = 0; l < 32; ++l) y[l + 32] = d2 * float((q[l] >> 4) | (((qh[l] >> hi_bit) & 1) << 4)) - m2;
  }
}

inline void decode_block_q6_k(const uint8_t* b, float* y) {
  const float d = load_half(b + q6_k::d);
  for (int h = 0; h < 2; ++h, y += 128) {
    const uint8_t* ql = b + q6_k::ql + 64 * h;
    const uint8_t* qh = b + q6_k::qh + 32 * h;
    const auto* sc = reinterpret_cast<const int8_t*>(b + q6_k::scales + 8 * h);
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * float(sc[is]) * float(q1);
      y[l + 32] = d * float(sc[is + 2]) * float(q2);
      y[l + 64] = d * float(sc[is + 4]) * float(q3);
      y[l + 96] = d * float(sc[is + 6]) * float(q4);
    }
  }
}

// y[n] = the n elements (a multiple of the type's block) stored as `type` at x.
inline void decode_row(DType type, const void* x, float* y, int64_t n) {
  const auto* b = static_cast<const uint8_t*>(x);
  const auto blocks = [&](auto decode_block, int64_t elems, int64_t bytes) {
    for (int64_t i = 0; i < n / elems; ++i) decode_block(b + i * bytes, y + i * elems);
  };
  switch (type) {
    case DType::f32: std::memcpy(y, b, size_t(n) * sizeof(float)); break;
    case DType::f16: for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(load_u16(b + 2 * i)); break;
    case DType::bf16: for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(load_u16(b + 2 * i)); break;
    case DType::q8_0: blocks(decode_block_q8_0, q8_0::elems, q8_0::bytes); break;
    case DType::q4_0: blocks(decode_block_q4_0, q4_0::elems, q4_0::bytes); break;
    case DType::q4_k: blocks(decode_block_q4_k, q4_k::elems, q4_k::bytes); break;
    case DType::q5_k: blocks(decode_block_q5_k, q5_k::elems, q5_k::bytes); break;
    case DType::q6_k: blocks(decode_block_q6_k, q6_k::elems, q6_k::bytes); break;
  }
}

}  // namespace kern::quant
