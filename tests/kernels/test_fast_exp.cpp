// kern::cpu::fast_exp against the double-precision exp over its whole range, plus its edge
// contract (clamping, flush to zero), since softmax and SwiGLU rely on both.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/cpu/fast_exp.h"

namespace kern::cpu {
namespace {

TEST(FastExp, RelativeErrorBelowBoundOnItsRange) {
  double worst = 0.0;
  float worst_x = 0.0f;
  // Every 2^-12 step of [-87, 88] (716,800 points), which crosses every reduction interval.
  for (int64_t i = 0; i <= 175 * 4096; ++i) {
    const float x = -87.0f + float(i) / 4096.0f;
    const double want = std::exp(double(x));
    const double err = std::fabs(double(fast_exp(x)) - want) / want;
    if (err > worst) {
      worst = err;
      worst_x = x;
    }
  }
  EXPECT_LT(worst, 4e-7) << "at x = " << worst_x;
  RecordProperty("max_rel_err", std::to_string(worst));
}

TEST(FastExp, ExactAtZeroAndSmallArguments) {
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_NEAR(fast_exp(1e-8f), 1.0f, 1e-7f);
  EXPECT_NEAR(fast_exp(1.0f), 2.718281828f, 3e-7f);
}

TEST(FastExp, EdgesFlushAndClamp) {
  EXPECT_EQ(fast_exp(-87.5f), 0.0f);
  EXPECT_EQ(fast_exp(-1000.0f), 0.0f);
  EXPECT_EQ(fast_exp(-std::numeric_limits<float>::infinity()), 0.0f);
  const float big = fast_exp(1000.0f);
  EXPECT_TRUE(std::isfinite(big));
  EXPECT_NEAR(big / std::exp(88.0f), 1.0f, 1e-6f);
  EXPECT_EQ(fast_exp(std::numeric_limits<float>::infinity()), big);
}

}  // namespace
}  // namespace kern::cpu
