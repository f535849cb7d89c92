// kern::ref::quantize: simple encoders that produce valid GGML blocks of every weight type.
// Algorithm: absmax scaling per block. The k-quants pick per-sub-block scales (and mins), then
// round them UP onto the 6-bit (q6_K: 8-bit) grid of a super-block scale that is itself rounded
// up to fp16, so the encoded range always covers the sub-block and the only error left is the
// rounding of each value to its grid (half a step) -- see the bounds in kernels/kernels.h.
// This is not ggml's iterative error-minimizing search (make_qkx2_quants): its blocks decode with
// somewhat larger error, but they are bit-valid and decode the same in every implementation.
// Numerics: inputs must be finite; scales that overflow fp16 (|x| beyond ~65504 * 127) give
// inf/NaN blocks, as in ggml.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/quant_blocks.h"

namespace kern::ref {
namespace {

using quant::store_u16;

// The fp16 bits of the smallest half >= v (v >= 0), so that v / half <= 1 after rounding.
uint16_t fp16_at_least(float v) {
  uint16_t h = fp32_to_fp16(v);
  if (fp16_to_fp32(h) < v) ++h;
  return h;
}

int nearest_clamped(float v, int lo, int hi) {
  return std::clamp(int(std::lround(v)), lo, hi);
}

void encode_q8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const uint16_t dh = fp32_to_fp16(amax / 127.0f);
  const float d = fp16_to_fp32(dh);
  store_u16(b + quant::q8_0::d, dh);
  for (int j = 0; j < 32; ++j) {
    const int q = d > 0.0f ? nearest_clamped(x[j] / d, -128, 127) : 0;
    b[quant::q8_0::qs + j] = uint8_t(int8_t(q));
  }
}

void encode_q4_0(const float* x, uint8_t* b) {
  // As ggml: the extreme value maps to -8 exactly, the other side gets 7 steps.
  float max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > std::fabs(max)) max = x[j];
  }
  const uint16_t dh = fp32_to_fp16(max / -8.0f);
  const float d = fp16_to_fp32(dh);
  store_u16(b + quant::q4_0::d, dh);
  for (int j = 0; j < 16; ++j) {
    const int lo = d != 0.0f ? nearest_clamped(x[j] / d, -8, 7) + 8 : 8;
    const int hi = d != 0.0f ? nearest_clamped(x[j + 16] / d, -8, 7) + 8 : 8;
    b[quant::q4_0::qs + j] = uint8_t(lo | (hi << 4));
  }
}

// q4_K (levels = 15) and q5_K (levels = 31): y = (d * sc) * q - (dmin * m), q in [0, levels].
// Writes d, dmin and the packed 6-bit scales; q[256] receives the quantized values.
void encode_k_scales(const float* x, int levels, uint8_t* b, uint8_t* q) {
  float neg[8], hi[8];
  float max_neg = 0.0f;
  for (int s = 0; s < 8; ++s) {
    float lo = 0.0f;
    hi[s] = x[32 * s];
    for (int l = 0; l < 32; ++l) {
      lo = std::min(lo, x[32 * s + l]);
      hi[s] = std::max(hi[s], x[32 * s + l]);
    }
    neg[s] = -lo;
    max_neg = std::max(max_neg, neg[s]);
  }
  const uint16_t dmin_h = fp16_at_least(max_neg / 63.0f);
  const float dmin = fp16_to_fp32(dmin_h);
  uint8_t m[8], sc[8];
  float scale[8], max_scale = 0.0f;
  for (int s = 0; s < 8; ++s) {
    m[s] = dmin > 0.0f ? uint8_t(std::min(63.0f, std::ceil(neg[s] / dmin))) : 0;
    // The encoded range [-dmin*m, d*sc*levels - dmin*m] must reach hi[s] (hi >= -neg >= -m1).
    scale[s] = std::max(0.0f, hi[s] + dmin * float(m[s])) / float(levels);
    max_scale = std::max(max_scale, scale[s]);
  }
  const uint16_t d_h = fp16_at_least(max_scale / 63.0f);
  const float d = fp16_to_fp32(d_h);
  for (int s = 0; s < 8; ++s) {
    sc[s] = d > 0.0f ? uint8_t(std::min(63.0f, std::ceil(scale[s] / d))) : 0;
    const float d1 = d * float(sc[s]), m1 = dmin * float(m[s]);
    for (int l = 0; l < 32; ++l) {
      q[32 * s + l] = d1 > 0.0f ? uint8_t(nearest_clamped((x[32 * s + l] + m1) / d1, 0, levels)) : 0;
    }
  }
  store_u16(b + quant::q4_k::d, d_h);
  store_u16(b + quant::q4_k::dmin, dmin_h);
  uint8_t* packed = b + quant::q4_k::scales;  // same offset in q5_K
  std::memset(packed, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      packed[j] = uint8_t(packed[j] | sc[j]);
      packed[j + 4] = uint8_t(packed[j + 4] | m[j]);
    } else {
      packed[j + 4] = uint8_t((sc[j] & 0xF) | ((m[j] & 0xF) << 4));
      packed[j - 4] = uint8_t(packed[j - 4] | ((sc[j] >> 4) << 6));
      packed[j] = uint8_t(packed[j] | ((m[j] >> 4) << 6));
    }
  }
}

void encode_q4_k(const float* x, uint8_t* b) {
  uint8_t q[256];
  encode_k_scales(x, 15, b, q);
  for (int g = 0; g < 4; ++g) {
    for (int l = 0; l < 32; ++l) {
      b[quant::q4_k::qs + 32 * g + l] = uint8_t(q[64 * g + l] | (q[64 * g + 32 + l] << 4));
    }
  }
}

void encode_q5_k(const float* x, uint8_t* b) {
  uint8_t q[256];
  encode_k_scales(x, 31, b, q);
  uint8_t* qh = b + quant::q5_k::qh;
  std::memset(qh, 0, 32);
  for (int g = 0; g < 4; ++g) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t lo = q[64 * g + l], hi = q[64 * g + 32 + l];
      b[quant::q5_k::qs + 32 * g + l] = uint8_t((lo & 0xF) | ((hi & 0xF) << 4));
      qh[l] = uint8_t(qh[l] | ((lo >> 4) << (2 * g)) | ((hi >> 4) << (2 * g + 1)));
    }
  }
}

void encode_q6_k(const float* x, uint8_t* b) {
  float scale[16], max_scale = 0.0f;
  for (int s = 0; s < 16; ++s) {
    float amax = 0.0f;
    for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(x[16 * s + l]));
    scale[s] = amax / 31.0f;  // q in [-31, 31], inside the format's [-32, 31]
    max_scale = std::max(max_scale, scale[s]);
  }
  const uint16_t d_h = fp16_at_least(max_scale / 127.0f);
  const float d = fp16_to_fp32(d_h);
  uint8_t L[256];  // q + 32, 6 bits
  auto* scales = reinterpret_cast<int8_t*>(b + quant::q6_k::scales);
  for (int s = 0; s < 16; ++s) {
    const auto sc = int8_t(d > 0.0f ? std::min(127.0f, std::ceil(scale[s] / d)) : 0.0f);
    scales[s] = sc;
    const float d1 = d * float(sc);
    for (int l = 0; l < 16; ++l) {
      const int q = d1 > 0.0f ? nearest_clamped(x[16 * s + l] / d1, -32, 31) : 0;
      L[16 * s + l] = uint8_t(q + 32);
    }
  }
  for (int h = 0; h < 2; ++h) {
    uint8_t* ql = b + quant::q6_k::ql + 64 * h;
    uint8_t* qh = b + quant::q6_k::qh + 32 * h;
    const uint8_t* Lh = L + 128 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = uint8_t((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
      ql[l + 32] = uint8_t((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
      qh[l] = uint8_t((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                      ((Lh[l + 96] >> 4) << 6));
    }
  }
  store_u16(b + quant::q6_k::d, d_h);
}

}  // namespace

void quantize(void* y, const float* x, DType type, int64_t n) {
  auto* b = static_cast<uint8_t*>(y);
  const auto blocks = [&](auto encode, int64_t elems, int64_t bytes) {
    for (int64_t i = 0; i < n / elems; ++i) encode(x + i * elems, b + i * bytes);
  };
  switch (type) {
    case DType::f32: std::memcpy(b, x, size_t(n) * sizeof(float)); break;
    case DType::f16: for (int64_t i = 0; i < n; ++i) store_u16(b + 2 * i, fp32_to_fp16(x[i])); break;
    case DType::bf16: for (int64_t i = 0; i < n; ++i) store_u16(b + 2 * i, fp32_to_bf16(x[i])); break;
    case DType::q8_0: blocks(encode_q8_0, quant::q8_0::elems, quant::q8_0::bytes); break;
    case DType::q4_0: blocks(encode_q4_0, quant::q4_0::elems, quant::q4_0::bytes); break;
    case DType::q4_k: blocks(encode_q4_k, quant::q4_k::elems, quant::q4_k::bytes); break;
    case DType::q5_k: blocks(encode_q5_k, quant::q5_k::elems, quant::q5_k::bytes); break;
    case DType::q6_k: blocks(encode_q6_k, quant::q6_k::elems, quant::q6_k::bytes); break;
  }
}

}  // namespace kern::ref
