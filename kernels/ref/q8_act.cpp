// kern::ref 8-bit activation rows and integer weight dots: the oracles of kernels/cpu/q8_*.
// Algorithm: quantize_act follows the rounding rule of kernels/q8_act.h element by element.
// dot_q8 extracts every weight quant with the bit layout of kernels/quant_blocks.h, forms the
// exact integer sum per block or sub-block, and applies the scales in double.
// Parallelization: none. Numerics: the integer sums are exact; the only rounding is the double
// accumulation and the final conversion to float.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/half.h"
#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"

namespace kern {

std::optional<ActQ8> act_q8_for(DType w) {
  switch (w) {
    case DType::q8_0:
    case DType::q4_0: return ActQ8::q8_0;
    case DType::q4_k:
    case DType::q5_k:
    case DType::q6_k: return ActQ8::q8_k;
    case DType::f32:
    case DType::f16:
    case DType::bf16: return std::nullopt;
  }
  return std::nullopt;
}

int64_t act_block_elems(ActQ8 type) { return type == ActQ8::q8_0 ? quant::q8_0::elems : q8k::elems; }

int64_t act_row_bytes(ActQ8 type, int64_t n) {
  return type == ActQ8::q8_0 ? n / quant::q8_0::elems * quant::q8_0::bytes : n / q8k::elems * q8k::bytes;
}

namespace ref {
namespace {

float block_amax(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

int8_t round_q(float v) { return int8_t(std::clamp(std::nearbyint(v), -127.0f, 127.0f)); }

void quantize_q8_0(uint8_t* y, const float* x, int64_t K) {
  for (int64_t k = 0; k < K; k += 32, x += 32, y += quant::q8_0::bytes) {
    const float d = block_amax(x, 32) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    quant::store_u16(y + quant::q8_0::d, fp32_to_fp16(d));
    for (int j = 0; j < 32; ++j) y[quant::q8_0::qs + j] = uint8_t(round_q(x[j] * id));
  }
}

void quantize_q8_k(uint8_t* y, const float* x, int64_t K) {
  for (int64_t k = 0; k < K; k += 256, x += 256, y += q8k::bytes) {
    const float amax = block_amax(x, 256);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    std::memcpy(y + q8k::d, &d, sizeof d);
    for (int i = 0; i < 16; ++i) {
      int16_t sum = 0;
      for (int j = 16 * i; j < 16 * i + 16; ++j) {
        const int8_t q = round_q(x[j] * id);
        y[q8k::qs + j] = uint8_t(q);
        sum = int16_t(sum + q);
      }
      std::memcpy(y + q8k::bsums + 2 * i, &sum, sizeof sum);
    }
  }
}

float q8k_d(const uint8_t* a) {
  float d;
  std::memcpy(&d, a + q8k::d, sizeof d);
  return d;
}
int aq(const uint8_t* a, int j) { return int8_t(a[q8k::qs + j]); }

double dot_q8_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  double acc = 0.0;
  for (int64_t k = 0; k < K; k += 32, w += quant::q8_0::bytes, a += quant::q8_0::bytes) {
    int64_t isum = 0;
    for (int j = 0; j < 32; ++j) isum += int8_t(w[quant::q8_0::qs + j]) * int8_t(a[quant::q8_0::qs + j]);
    acc += double(quant::load_half(w)) * double(quant::load_half(a)) * double(isum);
  }
  return acc;
}

double dot_q4_0(const uint8_t* w, const uint8_t* a, int64_t K) {
  double acc = 0.0;
  for (int64_t k = 0; k < K; k += 32, w += quant::q4_0::bytes, a += quant::q8_0::bytes) {
    const uint8_t* qs = w + quant::q4_0::qs;
    const auto* as = reinterpret_cast<const int8_t*>(a + quant::q8_0::qs);
    int64_t isum = 0;
    for (int j = 0; j < 16; ++j) isum += ((qs[j] & 0xF) - 8) * as[j] + ((qs[j] >> 4) - 8) * as[j + 16];
    acc += double(quant::load_half(w)) * double(quant::load_half(a)) * double(isum);
  }
  return acc;
}

// q4_K (5 bits false) and q5_K (true): per sub-block s of 32,
// sum (d*sc_s*q - dmin*m_s) * da*qa = d*da*sc_s*sum(q*qa) - dmin*da*m_s*sum(qa).
double dot_qk_4_5(const uint8_t* w, const uint8_t* a, int64_t K, bool five_bits) {
  const int bytes = five_bits ? quant::q5_k::bytes : quant::q4_k::bytes;
  const int qs_at = five_bits ? quant::q5_k::qs : quant::q4_k::qs;
  double acc = 0.0;
  for (int64_t k = 0; k < K; k += 256, w += bytes, a += q8k::bytes) {
    const double d = quant::load_half(w + quant::q4_k::d), dmin = quant::load_half(w + quant::q4_k::dmin);
    const double da = q8k_d(a);
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      quant::scale_min_k4(s, w + quant::q4_k::scales, sc, m);
      int64_t qsum = 0, asum = 0;
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = w[qs_at + 32 * (s / 2) + l];
        int q = s % 2 == 0 ? byte & 0xF : byte >> 4;
        if (five_bits) q |= ((w[quant::q5_k::qh + l] >> s) & 1) << 4;
        qsum += q * aq(a, 32 * s + l);
        asum += aq(a, 32 * s + l);
      }
      acc += d * da * double(sc) * double(qsum) - dmin * da * double(m) * double(asum);
    }
  }
  return acc;
}

double dot_q6_k(const uint8_t* w, const uint8_t* a, int64_t K) {
  double acc = 0.0;
  for (int64_t k = 0; k < K; k += 256, w += quant::q6_k::bytes, a += q8k::bytes) {
    const double d = quant::load_half(w + quant::q6_k::d), da = q8k_d(a);
    const auto* scales = reinterpret_cast<const int8_t*>(w + quant::q6_k::scales);
    for (int e = 0; e < 256; ++e) {
      const int h = e / 128, l = e % 32, quarter = (e % 128) / 32;  // quarter 0..3: l, l+32, ...
      const uint8_t low_byte = w[quant::q6_k::ql + 64 * h + l + (quarter % 2) * 32];
      const int low = quarter < 2 ? low_byte & 0xF : low_byte >> 4;
      const int high = (w[quant::q6_k::qh + 32 * h + l] >> (2 * quarter)) & 3;
      acc += d * da * double(scales[e / 16]) * double(((low | (high << 4)) - 32) * aq(a, e));
    }
  }
  return acc;
}

}  // namespace

void quantize_act(const Exec&, uint8_t* y, const float* x, ActQ8 type, int64_t rows, int64_t K) {
  const int64_t stride = act_row_bytes(type, K);
  for (int64_t r = 0; r < rows; ++r) {
    if (type == ActQ8::q8_0) {
      quantize_q8_0(y + r * stride, x + r * K, K);
    } else {
      quantize_q8_k(y + r * stride, x + r * K, K);
    }
  }
}

void dequantize_act(float* y, const uint8_t* x, ActQ8 type, int64_t n) {
  if (type == ActQ8::q8_0) {
    quant::decode_row(DType::q8_0, x, y, n);
    return;
  }
  for (int64_t k = 0; k < n; k += 256, x += q8k::bytes) {
    const float d = q8k_d(x);
    for (int j = 0; j < 256; ++j) y[k + j] = d * float(aq(x, j));
  }
}

float dot_q8(DType wtype, const uint8_t* w, const uint8_t* a, int64_t K) {
  switch (wtype) {
    case DType::q8_0: return float(dot_q8_0(w, a, K));
    case DType::q4_0: return float(dot_q4_0(w, a, K));
    case DType::q4_k: return float(dot_qk_4_5(w, a, K, false));
    case DType::q5_k: return float(dot_qk_4_5(w, a, K, true));
    case DType::q6_k: return float(dot_q6_k(w, a, K));
    case DType::f32:
    case DType::f16:
    case DType::bf16: break;
  }
  return 0.0f;  // unreachable for the documented types; no integer dot exists for floats
}

}  // namespace ref
}  // namespace kern
