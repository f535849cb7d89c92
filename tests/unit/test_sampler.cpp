// Sampler: greedy, seeded reproducibility, the kept sets of top-k / top-p / min-p on hand-made
// logits, repetition penalty values, and the empirical distribution against softmax(logits/T).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "engine/runtime/sampler.h"

namespace quire::engine {
namespace {

SamplerConfig plain(float temperature, uint64_t seed = 1) {
  SamplerConfig c;
  c.temperature = temperature;
  c.top_k = 0;
  c.top_p = 1.0f;
  c.min_p = 0.0f;
  c.repeat_penalty = 1.0f;
  c.seed = seed;
  return c;
}

Sampler make(const SamplerConfig& c) {
  auto s = Sampler::create(c);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

int32_t draw(Sampler& s, const std::vector<float>& logits, const std::vector<int32_t>& hist = {}) {
  auto r = s.sample(logits, hist);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : -1;
}

int32_t draw_once(const SamplerConfig& c, const std::vector<float>& logits,
                  const std::vector<int32_t>& hist) {
  Sampler s = make(c);
  return draw(s, logits, hist);
}

std::set<int32_t> drawn_set(Sampler& s, const std::vector<float>& logits, int n) {
  std::set<int32_t> ids;
  for (int i = 0; i < n; ++i) ids.insert(draw(s, logits));
  return ids;
}

// Logits whose softmax is exactly `probs` (up to float rounding).
std::vector<float> logits_of(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(float(std::log(p)));
  return l;
}

TEST(Sampler, GreedyIsArgmax) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  Sampler s = make(plain(0.0f));
  for (int t = 0; t < 50; ++t) {
    std::vector<float> logits(1000);
    for (float& x : logits) x = normal(rng);
    const auto want = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    EXPECT_EQ(draw(s, logits), want);
  }
  EXPECT_EQ(draw(s, {1.0f, 5.0f, 5.0f}), 1);  // ties: the lowest id
}

TEST(Sampler, SameSeedSameTokensOtherSeedOtherTokens) {
  const std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.0f, -0.1f, 0.25f, 0.05f, 0.15f};
  Sampler a = make(plain(1.0f, 42)), b = make(plain(1.0f, 42)), c = make(plain(1.0f, 43));
  std::vector<int32_t> sa, sb, sc;
  for (int i = 0; i < 200; ++i) {
    sa.push_back(draw(a, logits));
    sb.push_back(draw(b, logits));
    sc.push_back(draw(c, logits));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(Sampler, TopKOneIsGreedy) {
  SamplerConfig c = plain(1.5f);
  c.top_k = 1;
  Sampler s = make(c);
  EXPECT_EQ(drawn_set(s, {0.3f, 0.9f, 0.8f, -2.0f}, 300), std::set<int32_t>{1});
}

TEST(Sampler, TopKKeepsTheKHighest) {
  SamplerConfig c = plain(1.0f);
  c.top_k = 2;
  Sampler s = make(c);
  EXPECT_EQ(drawn_set(s, {0.3f, 0.9f, 0.8f, -2.0f}, 500), (std::set<int32_t>{1, 2}));
}

TEST(Sampler, TopPKeepsTheSmallestPrefixReachingP) {
  // Probabilities 0.1, 0.5, 0.15, 0.25 (ids 0..3): sorted 0.5, 0.25, 0.15, 0.1.
  const auto logits = logits_of({0.1, 0.5, 0.15, 0.25});
  SamplerConfig c = plain(1.0f);
  c.top_p = 0.7f;  // 0.5 + 0.25 = 0.75 >= 0.7
  Sampler s = make(c);
  EXPECT_EQ(drawn_set(s, logits, 1000), (std::set<int32_t>{1, 3}));
  c.top_p = 0.8f;  // needs 0.15 too
  Sampler s2 = make(c);
  EXPECT_EQ(drawn_set(s2, logits, 2000), (std::set<int32_t>{1, 2, 3}));
  c.top_p = 0.4f;  // the top token alone
  Sampler s3 = make(c);
  EXPECT_EQ(drawn_set(s3, logits, 300), std::set<int32_t>{1});
}

TEST(Sampler, MinPKeepsTokensAboveAFractionOfTheTop) {
  const auto logits = logits_of({0.1, 0.5, 0.15, 0.25});
  SamplerConfig c = plain(1.0f);
  c.min_p = 0.25f;  // threshold 0.125: drops 0.1
  Sampler s = make(c);
  EXPECT_EQ(drawn_set(s, logits, 2000), (std::set<int32_t>{1, 2, 3}));
  c.min_p = 0.4f;  // threshold 0.2: keeps 0.5 and 0.25
  Sampler s2 = make(c);
  EXPECT_EQ(drawn_set(s2, logits, 1000), (std::set<int32_t>{1, 3}));
  // The kept set does not depend on the temperature (filters come first).
  c.temperature = 5.0f;
  Sampler s3 = make(c);
  EXPECT_EQ(drawn_set(s3, logits, 1000), (std::set<int32_t>{1, 3}));
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerConfig c = plain(0.0f);
  c.repeat_last_n = 64;
  c.repeat_penalty = 1.4f;  // 3.0 / 1.4 = 2.14 > 2.0
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0}), 0);
  c.repeat_penalty = 1.6f;  // 3.0 / 1.6 = 1.875 < 2.0
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0}), 1);
  c.repeat_penalty = 1.2f;  // -1.0 * 1.2 = -1.2 > -1.5
  EXPECT_EQ(draw_once(c, {-1.0f, -1.5f}, {0}), 0);
  c.repeat_penalty = 1.6f;  // -1.0 * 1.6 = -1.6 < -1.5
  EXPECT_EQ(draw_once(c, {-1.0f, -1.5f}, {0}), 1);
  // Applied once per distinct token however often it repeats: 3.0 / 1.4 once stays above 2.
  c.repeat_penalty = 1.4f;
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0, 0, 0, 0}), 0);
  // Only the last repeat_last_n tokens count; out-of-vocabulary ids are ignored.
  c.repeat_penalty = 1.6f;
  c.repeat_last_n = 2;
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0, 7, -3}), 0);
  c.repeat_last_n = 3;
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0, 7, -3}), 1);
  c.repeat_last_n = -1;
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0, 7, -3}), 1);
  c.repeat_last_n = 0;
  EXPECT_EQ(draw_once(c, {3.0f, 2.0f}, {0, 7, -3}), 0);
}

// Pearson chi-square statistic of counts against probabilities.
double chi_square(const std::vector<int>& counts, const std::vector<double>& p, int n) {
  double chi = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double e = p[i] * n;
    chi += (counts[i] - e) * (counts[i] - e) / e;
  }
  return chi;
}

std::vector<double> softmax(const std::vector<float>& logits, double t) {
  std::vector<double> p;
  double sum = 0.0;
  for (float l : logits) sum += std::exp(double(l) / t);
  for (float l : logits) p.push_back(std::exp(double(l) / t) / sum);
  return p;
}

TEST(Sampler, DrawsFollowSoftmaxOfLogitsOverTemperature) {
  const std::vector<float> logits = {1.0f, 0.5f, 0.0f, -0.5f, 2.0f, -1.0f};
  const float t = 0.7f;
  Sampler s = make(plain(t, 2024));
  const int n = 50000;
  std::vector<int> counts(logits.size());
  for (int i = 0; i < n; ++i) ++counts[size_t(draw(s, logits))];
  // 5 degrees of freedom: P(chi2 > 40) ~ 1.5e-7, so a correct sampler passes with any seed.
  EXPECT_LT(chi_square(counts, softmax(logits, t), n), 40.0);
  // The same test rejects the wrong temperature, so it can fail.
  EXPECT_GT(chi_square(counts, softmax(logits, 1.0), n), 200.0);
}

TEST(Sampler, SavedStateResumesTheSameDraws) {
  const std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.0f, -0.1f};
  Sampler a = make(plain(1.0f, 7));
  for (int i = 0; i < 13; ++i) draw(a, logits);
  const std::string state = a.save_state();
  std::vector<int32_t> first, second;
  for (int i = 0; i < 50; ++i) first.push_back(draw(a, logits));
  Sampler b = make(plain(1.0f, 999));
  ASSERT_TRUE(b.load_state(state).ok());
  for (int i = 0; i < 50; ++i) second.push_back(draw(b, logits));
  EXPECT_EQ(first, second);
}

TEST(Sampler, DamagedStateIsRefusedAndChangesNothing) {
  const std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.0f, -0.1f};
  Sampler a = make(plain(1.0f, 7)), b = make(plain(1.0f, 7));
  const std::string good = a.save_state();
  for (const std::string& bad :
       {std::string("nonsense"), good.substr(0, good.size() / 2), good + " 12 junk",
        std::string("quire-sampler-1 x")}) {
    const auto r = a.load_state(bad);
    ASSERT_FALSE(r.ok()) << bad.substr(0, 40);
    EXPECT_EQ(r.error().code, Errc::corrupt_data);
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(draw(a, logits), draw(b, logits));
}

TEST(Sampler, RejectsBadSettingsAndBadLogits) {
  for (auto change : std::vector<void (*)(SamplerConfig&)>{
           [](SamplerConfig& c) { c.top_p = 0.0f; }, [](SamplerConfig& c) { c.top_p = 1.5f; },
           [](SamplerConfig& c) { c.min_p = -0.1f; },
           [](SamplerConfig& c) { c.repeat_penalty = 0.0f; },
           [](SamplerConfig& c) { c.repeat_last_n = -2; },
           [](SamplerConfig& c) { c.temperature = NAN; }}) {
    SamplerConfig c;
    change(c);
    const auto s = Sampler::create(c);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
  }
  Sampler s = make(SamplerConfig{});
  EXPECT_FALSE(s.sample({}, {}).ok());
  const std::vector<float> nan_logits = {0.0f, NAN};
  EXPECT_FALSE(s.sample(nan_logits, {}).ok());
}

}  // namespace
}  // namespace quire::engine
