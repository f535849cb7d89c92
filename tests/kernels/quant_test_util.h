// Shared helpers of the weight-type tests: random data and random valid GGML blocks.
#pragma once

#include <gtest/gtest.h>

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

// max |got - want| <= 2e-6 sqrt(K) sum_k |a_k w_k| for each of the M x N outputs of A [M, K]
// times the weight rows W [N, K] (dequantized by kern::ref): float summation error is bounded by
// a small multiple of eps * sum_k |a_k * w_k|.
inline void expect_matmul_near(const std::vector<float>& got, const std::vector<float>& want,
                               const std::vector<float>& A, const std::vector<uint8_t>& W,
                               DType type, int64_t M, int64_t N, int64_t K) {
  std::vector<float> w(static_cast<size_t>(N * K));
  ref::dequantize(Exec{}, w.data(), W.data(), type, N * K);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double abs_sum = 0.0;
      for (int64_t k = 0; k < K; ++k) abs_sum += std::fabs(double(A[size_t(m * K + k)]) * w[size_t(n * K + k)]);
      const size_t i = static_cast<size_t>(m * N + n);
      ASSERT_LE(std::fabs(double(got[i]) - want[i]), 2e-6 * std::sqrt(double(K)) * abs_sum + 1e-30)
          << "C[" << m << "," << n << "]: got " << got[i] << ", want " << want[i];
    }
  }
}

}  // namespace kern::testing
