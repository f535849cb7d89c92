// Scalar conversions between fp32 and the two 16-bit float formats of GGUF weights and caches:
// IEEE binary16 ("f16") and bfloat16 ("bf16", the top half of an fp32).
//
// Contracts: fp32 -> 16-bit rounds to nearest, ties to even, like the hardware (F16C, CUDA) and
// numpy. Subnormals are kept (never flushed to zero), overflow gives +-inf, inf stays inf, and
// NaN stays NaN with its sign: the quiet bit is set and the top payload bits are kept, so a
// signalling NaN never turns into inf. fp16 -> fp32 is exact; bf16 -> fp32 is exact.
// Header-only and dependency-free so that ref, cpu and cuda host code share one definition; the
// functions are plain inline code (no target attributes), safe to call from any translation unit.
#pragma once

#include <bit>
#include <cstdint>

namespace kern {

// Branch-free (selects only) so that loops over it vectorize: a subnormal half is mant * 2^-24,
// which float(mant) * 2^-24 computes exactly.
inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  const uint32_t normal = ((exp + 112u) << 23) | (mant << 13);  // rebias 15 -> 127
  const uint32_t inf_nan = 0x7F800000u | (mant << 13) | (uint32_t(mant != 0) << 22);  // quiet
  const uint32_t subnormal = std::bit_cast<uint32_t>(float(mant) * 0x1p-24f);
  const uint32_t is_sub = 0u - uint32_t(exp == 0), is_inf_nan = 0u - uint32_t(exp == 0x1F);
  const uint32_t bits =
      (subnormal & is_sub) | (inf_nan & is_inf_nan) | (normal & ~(is_sub | is_inf_nan));
  return std::bit_cast<float>(sign | bits);
}

inline uint16_t fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = uint16_t((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) {
    if (abs == 0x7F800000u) return uint16_t(sign | 0x7C00u);
    return uint16_t(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  }
  if (abs >= 0x477FF000u) return uint16_t(sign | 0x7C00u);  // >= 65520 rounds to inf
  if (abs >= 0x38800000u) {                                   // normal half (>= 2^-14)
    uint32_t r = abs - 0x38000000u;                           // rebias 127 -> 15
    r += 0xFFFu + ((r >> 13) & 1u);                           // ties to even; may carry
    return uint16_t(sign | (r >> 13));
  }
  if (abs < 0x33000000u) return sign;  // below 2^-25: rounds to zero
  // Subnormal half: the value in units of 2^-24, rounded to nearest even. A carry into 0x400
  // correctly yields the smallest normal.
  const uint32_t e = abs >> 23;
  const uint32_t m = (abs & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126u - e;  // 14..24
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (q & 1u) != 0)) ++q;
  return uint16_t(sign | q);
}

inline float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

inline uint16_t fp32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return uint16_t((x >> 16) | 0x0040u);  // quiet NaN
  return uint16_t((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);  // ties to even; overflow -> inf
}

}  // namespace kern
