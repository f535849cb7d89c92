// K/V row codecs. fp16 conversion is done on the bits (no F16C dependency) so that it is exact
// and identical on every CPU; rounding follows IEEE round-to-nearest-even.
#include "kernels/kv_codec.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace kern {

float fp16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: man * 2^-24 is exact in float.
    const float mag = float(man) * 0x1p-24f;
    return sign ? -mag : mag;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
}

uint16_t f32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return uint16_t(sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (ax >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (ax < 0x38800000u) {                                  // below 2^-14: subnormal half
    if (ax < 0x33000000u) return uint16_t(sign);           // <= 2^-25 rounds to zero
    const uint32_t e = ax >> 23;                            // 102..112
    const uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - e;                        // units of 2^-24: 14..24
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) ++q;  // q == 0x400 is the smallest normal
    return uint16_t(sign | q);
  }
  const uint32_t r = ax - 0x38000000u;  // rebias the exponent from 127 to 15
  uint32_t q = r >> 13;
  const uint32_t rem = r & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) ++q;  // a carry bumps the exponent: right
  return uint16_t(sign | q);
}

int64_t kv_row_bytes(KvType type, int64_t n) {
  switch (type) {
    case KvType::f32: return n * 4;
    case KvType::f16: return n * 2;
    case KvType::q8_0: return n / kQ8Block * kQ8BlockBytes;
  }
  return 0;
}

void kv_encode_row(KvType type, const float* src, void* dst, int64_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  switch (type) {
    case KvType::f32:
      std::memcpy(out, src, size_t(n) * 4);
      return;
    case KvType::f16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_fp16(src[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case KvType::q8_0:
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const float* x = src + b * kQ8Block;
        unsigned char* blk = out + b * kQ8BlockBytes;
        float amax = 0.0f;
        for (int64_t i = 0; i < kQ8Block; ++i) amax = std::fmax(amax, std::fabs(x[i]));
        // As ggml: quantize with the unrounded scale, store the fp16-rounded one.
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const uint16_t dh = f32_to_fp16(d);
        std::memcpy(blk, &dh, 2);
        for (int64_t i = 0; i < kQ8Block; ++i) {
          const auto q = static_cast<int8_t>(std::lround(x[i] * id));
          std::memcpy(blk + 2 + i, &q, 1);
        }
      }
      return;
  }
}

void kv_decode_row(KvType type, const void* src, float* dst, int64_t n) {
  const auto* in = static_cast<const unsigned char*>(src);
  switch (type) {
    case KvType::f32:
      std::memcpy(dst, in, size_t(n) * 4);
      return;
    case KvType::f16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        dst[i] = fp16_to_f32(h);
      }
      return;
    case KvType::q8_0:
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const unsigned char* blk = in + b * kQ8BlockBytes;
        uint16_t dh;
        std::memcpy(&dh, blk, 2);
        const float d = fp16_to_f32(dh);
        for (int64_t i = 0; i < kQ8Block; ++i) {
          dst[b * kQ8Block + i] = d * float(static_cast<int8_t>(blk[2 + i]));
        }
      }
      return;
  }
}

const char* kv_type_name(KvType type) {
  switch (type) {
    case KvType::f32: return "f32";
    case KvType::f16: return "f16";
    case KvType::q8_0: return "q8_0";
  }
  return "?";
}

}  // namespace kern
