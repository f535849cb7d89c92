// kern::cpu::rope against kern::ref::rope (the numpy golden is in tests/golden).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern {
namespace {

TEST(RopeCpu, MatchesRefAcrossModesAndScalings) {
  ThreadPool pool(2);
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int32_t> position(0, 131071);
  std::vector<float> ff(64);
  for (size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + float(i % 7);
  struct Case {
    int64_t n_tokens, n_heads, head_dim, n_rot;
    float base, freq_scale;
    bool use_ff;
  };
  for (RopeMode mode : {RopeMode::normal, RopeMode::neox}) {
    for (const Case c : {Case{1, 1, 2, 2, 10000.0f, 1.0f, false},
                         Case{33, 8, 64, 64, 10000.0f, 1.0f, false},
                         Case{17, 4, 128, 128, 500000.0f, 0.125f, true},
                         Case{70, 3, 80, 32, 1e6f, 1.0f, true}}) {
      std::vector<float> want(size_t(c.n_tokens * c.n_heads * c.head_dim));
      for (float& x : want) x = normal(rng);
      std::vector<int32_t> pos(size_t(c.n_tokens));
      for (int32_t& p : pos) p = position(rng);
      auto got = want;
      const RopeParams p{mode, c.n_rot, c.base, c.freq_scale, c.use_ff ? ff.data() : nullptr};
      ref::rope({}, want.data(), pos.data(), c.n_tokens, c.n_heads, c.head_dim, p);
      cpu::rope({&pool}, got.data(), pos.data(), c.n_tokens, c.n_heads, c.head_dim, p);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5f * (1.0f + std::fabs(want[i]))) << "at " << i;
      }
    }
  }
}

}  // namespace
}  // namespace kern
