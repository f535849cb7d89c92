// Exact attention (ref and cpu) and RoPE (ref and cpu) against independent numpy goldens, and
// the Llama 3.1 frequency factors against the published formula.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/model/rope_scaling.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"
#include "tests/golden/golden_runner.h"

namespace quire::golden {
namespace {

struct AttnCase {
  int64_t n_q, n_kv, n_head, n_head_kv, head_dim;
};

class GoldenAttention : public ::testing::TestWithParam<AttnCase> {};

TEST_P(GoldenAttention, RefAndCpuMatchNumpy) {
  const AttnCase c = GetParam();
  const Arrays g = run_golden("attention_ref.py", fmt::format("{} {} {} {} {} 7", c.n_q, c.n_kv,
                                                              c.n_head, c.n_head_kv, c.head_dim));
  ASSERT_EQ(g.count("out"), 1u);
  const auto q = as_floats(g.at("q")), k = as_floats(g.at("k")), v = as_floats(g.at("v"));
  const std::vector<double>& want = g.at("out");
  ASSERT_EQ(want.size(), size_t(c.n_q * c.n_head * c.head_dim));
  const float scale = 1.0f / std::sqrt(float(c.head_dim));
  kern::ThreadPool pool(2);
  std::vector<float> ref(want.size(), NAN), cpu(want.size(), NAN);
  kern::ref::attention({}, ref.data(), q.data(), k.data(), v.data(), kern::KvType::f32, c.n_q,
                       c.n_kv, c.n_head, c.n_head_kv, c.head_dim, scale);
  kern::cpu::attention({&pool}, cpu.data(), q.data(), k.data(), v.data(), kern::KvType::f32,
                       c.n_q, c.n_kv, c.n_head, c.n_head_kv, c.head_dim, scale);
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(ref[i], want[i], 1e-6 + 1e-6 * std::fabs(want[i])) << "ref at " << i;
    ASSERT_NEAR(cpu[i], want[i], 2e-5 + 1e-4 * std::fabs(want[i])) << "cpu at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenAttention,
                         ::testing::Values(AttnCase{1, 1, 1, 1, 64}, AttnCase{1, 600, 8, 2, 64},
                                           AttnCase{17, 17, 4, 4, 64},
                                           AttnCase{40, 150, 8, 1, 128},
                                           AttnCase{100, 100, 4, 2, 128}));

struct RopeCase {
  kern::RopeMode mode;
  int64_t n_tokens, n_heads, head_dim, n_rot;
  float base, freq_scale;
  bool use_ff;
};

class GoldenRope : public ::testing::TestWithParam<RopeCase> {};

TEST_P(GoldenRope, RefAndCpuMatchNumpy) {
  const RopeCase c = GetParam();
  const Arrays g = run_golden(
      "rope_ref.py", fmt::format("{} {} {} {} {} {} {} {} 11",
                                 c.mode == kern::RopeMode::normal ? "normal" : "neox", c.n_tokens,
                                 c.n_heads, c.head_dim, c.n_rot, c.base, c.freq_scale,
                                 c.use_ff ? 1 : 0));
  ASSERT_EQ(g.count("out"), 1u);
  const std::vector<double>& want = g.at("out");
  auto ref = as_floats(g.at("x"));
  auto cpu = ref;
  ASSERT_EQ(want.size(), ref.size());
  std::vector<int32_t> pos(g.at("pos").begin(), g.at("pos").end());
  std::vector<float> ff;
  kern::RopeParams p{c.mode, c.n_rot, c.base, c.freq_scale};
  if (c.use_ff) {
    ff = as_floats(g.at("ff"));
    p.freq_factors = ff.data();
  }
  kern::ThreadPool pool(2);
  kern::ref::rope({}, ref.data(), pos.data(), c.n_tokens, c.n_heads, c.head_dim, p);
  kern::cpu::rope({&pool}, cpu.data(), pos.data(), c.n_tokens, c.n_heads, c.head_dim, p);
  // Positions reach 131071, where float rounding of the angle's inputs alone is ~1e-5 rad.
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(ref[i], want[i], 2e-5) << "ref at " << i;
    ASSERT_NEAR(cpu[i], want[i], 2e-5) << "cpu at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GoldenRope,
    ::testing::Values(RopeCase{kern::RopeMode::normal, 9, 3, 64, 64, 10000.0f, 1.0f, false},
                      RopeCase{kern::RopeMode::neox, 9, 3, 64, 64, 10000.0f, 1.0f, false},
                      RopeCase{kern::RopeMode::normal, 5, 2, 128, 96, 500000.0f, 0.25f, false},
                      RopeCase{kern::RopeMode::neox, 5, 2, 128, 64, 1000000.0f, 0.5f, true},
                      RopeCase{kern::RopeMode::normal, 7, 4, 128, 128, 500000.0f, 1.0f, true}));

struct Llama3Case {
  int64_t n_rot;
  float base, factor, low, high;
  int64_t original_context;
};

class GoldenLlama3Rope : public ::testing::TestWithParam<Llama3Case> {};

TEST_P(GoldenLlama3Rope, FreqFactorsMatchThePublishedFormula) {
  const Llama3Case c = GetParam();
  const Arrays g = run_golden("llama3_rope_ref.py", fmt::format("{} {} {} {} {} {}", c.n_rot,
                                                                c.base, c.factor, c.low, c.high,
                                                                c.original_context));
  ASSERT_EQ(g.count("factors"), 1u);
  const std::vector<float> got = engine::llama3_rope_freq_factors(
      c.n_rot, c.base, c.factor, c.low, c.high, c.original_context);
  const std::vector<double>& want = g.at("factors");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-6 * want[i]) << "factor " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenLlama3Rope,
                         ::testing::Values(Llama3Case{128, 500000.0f, 8.0f, 1.0f, 4.0f, 8192},
                                           Llama3Case{64, 500000.0f, 32.0f, 1.0f, 4.0f, 8192},
                                           Llama3Case{128, 10000.0f, 4.0f, 2.0f, 8.0f, 4096}));

}  // namespace
}  // namespace quire::golden
