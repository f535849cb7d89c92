// Properties of kern::ref::rope that hold whatever the implementation: the numpy golden for
// exact values lives with the optimized kernel's tests.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "kernels/kernels.h"

namespace kern {
namespace {

TEST(RopeRef, PositionZeroIsIdentity) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  const auto orig = x;
  const int32_t pos = 0;
  ref::rope({}, x.data(), &pos, 1, 1, 8, RopeParams{RopeMode::normal, 8});
  EXPECT_EQ(x, orig);
}

TEST(RopeRef, FirstPairTurnsByThePositionInRadians) {
  // Pair 0 has frequency base^0 = 1, so at position p it turns by p radians.
  for (RopeMode mode : {RopeMode::normal, RopeMode::neox}) {
    std::vector<float> x = {1, 0, 0, 0};
    const int32_t pos = 2;
    ref::rope({}, x.data(), &pos, 1, 1, 4, RopeParams{mode, 4});
    const int64_t ib = mode == RopeMode::normal ? 1 : 2;
    EXPECT_NEAR(x[0], std::cos(2.0), 1e-6);
    EXPECT_NEAR(x[ib], std::sin(2.0), 1e-6);
  }
}

TEST(RopeRef, LinearScalingAndFreqFactorsDivideTheAngle) {
  // freq_scale 0.5 at position 4 equals no scaling at position 2; a freq factor of 2 too.
  std::vector<float> a = {0.3f, -1.2f, 0.7f, 2.0f}, b = a, c = a;
  const int32_t p4 = 4, p2 = 2;
  const float ff[] = {2.0f, 2.0f};
  ref::rope({}, a.data(), &p4, 1, 1, 4, RopeParams{RopeMode::normal, 4, 10000.0f, 0.5f});
  ref::rope({}, b.data(), &p2, 1, 1, 4, RopeParams{RopeMode::normal, 4});
  ref::rope({}, c.data(), &p4, 1, 1, 4, RopeParams{RopeMode::normal, 4, 10000.0f, 1.0f, ff});
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(a[size_t(i)], b[size_t(i)], 1e-6);
    EXPECT_NEAR(c[size_t(i)], b[size_t(i)], 1e-6);
  }
}

TEST(RopeRef, PreservesNormsAndLeavesUnrotatedDims) {
  std::vector<float> x(3 * 2 * 6);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 1.7f);
  const auto orig = x;
  const int32_t pos[] = {5, 100, 7777};
  ref::rope({}, x.data(), pos, 3, 2, 6, RopeParams{RopeMode::neox, 4});
  for (int64_t row = 0; row < 6; ++row) {
    double n0 = 0, n1 = 0;
    for (int64_t i = 0; i < 4; ++i) {
      n0 += orig[size_t(row * 6 + i)] * orig[size_t(row * 6 + i)];
      n1 += x[size_t(row * 6 + i)] * x[size_t(row * 6 + i)];
    }
    EXPECT_NEAR(n0, n1, 1e-5);
    EXPECT_EQ(x[size_t(row * 6 + 4)], orig[size_t(row * 6 + 4)]);
    EXPECT_EQ(x[size_t(row * 6 + 5)], orig[size_t(row * 6 + 5)]);
  }
}

TEST(RopeRef, RelativePositionOnlyInDotProducts) {
  // <R(p) q, R(s) k> depends only on p - s: the property attention relies on.
  std::vector<float> q = {0.1f, 0.9f, -0.4f, 0.3f, 1.1f, -0.2f, 0.5f, 0.05f};
  std::vector<float> k = {0.7f, -0.3f, 0.2f, 0.8f, -0.6f, 0.4f, 0.1f, 0.9f};
  auto dot_at = [&](int32_t p, int32_t s) {
    auto a = q, b = k;
    ref::rope({}, a.data(), &p, 1, 1, 8, RopeParams{RopeMode::normal, 8});
    ref::rope({}, b.data(), &s, 1, 1, 8, RopeParams{RopeMode::normal, 8});
    double d = 0;
    for (size_t i = 0; i < 8; ++i) d += double(a[i]) * double(b[i]);
    return d;
  };
  EXPECT_NEAR(dot_at(10, 3), dot_at(107, 100), 1e-5);
  EXPECT_NEAR(dot_at(5000, 4990), dot_at(20, 10), 1e-4);
}

}  // namespace
}  // namespace kern
