// kern::ref::quantize: every type encodes to valid blocks whose decoded values stay within the
// per-type error bounds documented in kernels/kernels.h (derived from the encoding scheme:
// half a quantization step plus the rounding of the scales onto their grids).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

// Data with the cases the encoders must handle: N(0,1), all-positive and all-negative blocks
// (the k-quants' mins), a zero block, and one large outlier.
std::vector<float> test_data(int64_t n) {
  auto x = testing::random_normal(static_cast<size_t>(n), 7);
  const auto shifted = testing::random_normal(256, 8, 3.0f, 0.5f);
  for (size_t i = 0; i < 256; ++i) x[256 + i] = shifted[i];    // all positive
  for (size_t i = 0; i < 256; ++i) x[512 + i] = -shifted[i];   // all negative
  std::fill(x.begin() + 768, x.begin() + 1024, 0.0f);          // zeros
  x[1100] = 40.0f;                                             // outlier
  return x;
}

std::vector<float> round_trip(DType type, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> q(static_cast<size_t>(row_bytes(type, n)));
  ref::quantize(q.data(), x.data(), type, n);
  std::vector<float> y(x.size(), NAN);
  ref::dequantize(Exec{}, y.data(), q.data(), type, n);
  return y;
}

float max_abs(const float* x, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  return m;
}
// max - min(0, min): the range a k-quant sub-block with a non-negative min must cover.
float span(const float* x, int64_t n) {
  const auto [lo, hi] = std::minmax_element(x, x + n);
  return *hi - std::min(0.0f, *lo);
}

constexpr int64_t kN = 2048;

TEST(Quantize, Float16ErrorWithinHalfUlp) {
  const auto x = test_data(kN);
  const auto f16 = round_trip(DType::f16, x);
  const auto bf16 = round_trip(DType::bf16, x);
  const auto f32 = round_trip(DType::f32, x);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_LE(std::fabs(f16[i] - x[i]), std::fabs(x[i]) * 0x1p-11f + 0x1p-25f) << i;
    ASSERT_LE(std::fabs(bf16[i] - x[i]), std::fabs(x[i]) * 0x1p-8f) << i;
    ASSERT_EQ(f32[i], x[i]) << i;
  }
}

TEST(Quantize, BlockScaledTypesWithinBound) {
  const auto x = test_data(kN);
  const auto q8 = round_trip(DType::q8_0, x);
  const auto q4 = round_trip(DType::q4_0, x);
  for (int64_t b = 0; b < kN; b += 32) {
    const float amax = max_abs(x.data() + b, 32);
    for (int64_t i = b; i < b + 32; ++i) {
      ASSERT_LE(std::fabs(q8[size_t(i)] - x[size_t(i)]), amax / 254.0f * 1.002f) << "q8_0 at " << i;
      ASSERT_LE(std::fabs(q4[size_t(i)] - x[size_t(i)]), amax / 8.0f * 1.002f) << "q4_0 at " << i;
    }
  }
}

// q4_K / q5_K with `levels` steps: half a step of the sub-block plus the scale-grid terms.
void expect_k_bound(DType type, float levels, float grid_divisor) {
  const auto x = test_data(kN);
  const auto y = round_trip(type, x);
  double sq_err = 0.0;
  for (int64_t sb = 0; sb < kN; sb += 256) {
    const float r = span(x.data() + sb, 256);
    for (int64_t s = sb; s < sb + 256; s += 32) {
      const float bound = span(x.data() + s, 32) / (2.0f * levels) + r / grid_divisor + 1e-6f * r;
      for (int64_t i = s; i < s + 32; ++i) {
        const float err = std::fabs(y[size_t(i)] - x[size_t(i)]);
        ASSERT_LE(err, bound) << dtype_info(type).name << " at " << i;
        sq_err += double(err) * err;
      }
    }
  }
  // Not a bound but a sanity check on the typical error: well under the worst case.
  EXPECT_LT(std::sqrt(sq_err / kN), 6.0 / (2.0 * levels)) << dtype_info(type).name;
}

TEST(Quantize, Q4KWithinBound) { expect_k_bound(DType::q4_k, 15.0f, 900.0f); }
TEST(Quantize, Q5KWithinBound) { expect_k_bound(DType::q5_k, 31.0f, 1900.0f); }

TEST(Quantize, Q6KWithinBound) {
  const auto x = test_data(kN);
  const auto y = round_trip(DType::q6_k, x);
  for (int64_t sb = 0; sb < kN; sb += 256) {
    const float a = max_abs(x.data() + sb, 256);
    for (int64_t s = sb; s < sb + 256; s += 16) {
      const float bound = max_abs(x.data() + s, 16) / 62.0f + a / 7800.0f + 1e-6f * a;
      for (int64_t i = s; i < s + 16; ++i) {
        ASSERT_LE(std::fabs(y[size_t(i)] - x[size_t(i)]), bound) << "q6_K at " << i;
      }
    }
  }
}

TEST(Quantize, ZeroBlocksDecodeToZero) {
  for (DType type : testing::all_dtypes()) {
    const std::vector<float> x(512, 0.0f);
    for (float v : round_trip(type, x)) ASSERT_EQ(v, 0.0f) << dtype_info(type).name;
  }
}

}  // namespace
}  // namespace kern
