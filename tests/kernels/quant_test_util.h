// Shared helpers of the weight-type tests: random data and random valid GGML blocks.
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/half.h"
#include "kernels/kernels.h"

namespace kern {
// Names DType values in GoogleTest messages ("q4_K" rather than raw bytes).
inline void PrintTo(DType type, std::ostream* os) { *os << dtype_info(type).name; }
}  // namespace kern

namespace kern::testing {

inline std::vector<float> random_normal(size_t n, uint32_t seed, float mean = 0.0f,
                                        float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// `rows` rows of K elements as `type`. Quantized types get random bytes (every bit pattern of
// quants and packed scales occurs) with finite fp16 scales of magnitude 1e-3..1e-1 written over
// the scale fields; f32/f16/bf16 get encoded N(0,1) values.
inline std::vector<uint8_t> random_weights(DType type, int64_t rows, int64_t K, uint32_t seed) {
  const int64_t bytes = rows * row_bytes(type, K);
  std::vector<uint8_t> w(static_cast<size_t>(bytes));
  if (type == DType::f32 || type == DType::f16 || type == DType::bf16) {
    const auto x = random_normal(static_cast<size_t>(rows * K), seed);
    ref::quantize(w.data(), x.data(), type, rows * K);
    return w;
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> exponent(-3.0f, -1.0f);
  for (uint8_t& b : w) b = uint8_t(byte(rng));
  const auto scale = [&] {
    const float mag = std::pow(10.0f, exponent(rng));
    return fp32_to_fp16(byte(rng) < 128 ? mag : -mag);
  };
  const DTypeInfo& info = dtype_info(type);
  for (int64_t off = 0; off < bytes; off += info.block_bytes) {
    uint8_t* b = w.data() + off;
    const auto put = [&](int at) {
      const uint16_t h = scale();
      b[at] = uint8_t(h & 0xFF);
      b[at + 1] = uint8_t(h >> 8);
    };
    switch (type) {
      case DType::q8_0:
      case DType::q4_0: put(0); break;
      case DType::q4_k:
      case DType::q5_k: put(0); put(2); break;
      case DType::q6_k: put(208); break;
      default: break;
    }
  }
  return w;
}

inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> types{DType::f32,  DType::f16,  DType::bf16, DType::q8_0,
                                        DType::q4_0, DType::q4_k, DType::q5_k, DType::q6_k};
  return types;
}

}  // namespace kern::testing
