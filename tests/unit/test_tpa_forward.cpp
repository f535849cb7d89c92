// The t6 (Tensor Product Attention) forward pass on synthetic models, full TPA and KV-only:
// decoding token by token equals the rows of a batched prefill (decode runs the factor kernel on
// one query, prefill on a chunk), chunk splits do not matter, tensorized attention with a single
// dim (one hop over the whole sequence: exact attention over materialized K and V) equals the
// factor path, sessions snapshot and restore a factor cache and name its layout, and the config
// and the cache refuse what a t6 model cannot use. The numbers themselves are judged against an
// independent PyTorch T6 in tests/golden/check_t6_golden.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/model/synthetic_t6.h"
#include "engine/runtime/forward.h"
#include "engine/runtime/session.h"
#include "engine/runtime/snapshot.h"
#include "forward_helpers.h"
#include "kernels/thread_pool.h"

namespace quire::engine {
namespace {

namespace fs = std::filesystem;
using testing::make_cache;
using testing::max_diff;
using testing::some_tokens;

constexpr float kTol = 1e-3f;  // float32 sums in other orders; logits are O(1..10)
constexpr uint32_t kTokenSeed = 777;

std::shared_ptr<const Model> t6_model(int64_t rank_q, const std::string& name) {
  SyntheticT6Spec spec;
  spec.rank_q = rank_q;
  spec.rank_k = 2;
  spec.rank_v = rank_q == 0 ? 3 : 2;  // KV-only also covers unequal K / V ranks (padded rows)
  spec.seed = 11;
  const fs::path path = testing::model_dir("quire_test_tpa") / (name + ".gguf");
  return testing::load_written_model(path, bool(write_synthetic_t6(path, spec)));
}

class TpaForward : public ::testing::TestWithParam<int64_t> {};  // rank_q; 0: KV-only

// Logits of every position of `tokens` run at once on a fresh 32-token cache under `ac`; empty
// (with a test failure) when the run fails.
std::vector<float> all_logits(const std::shared_ptr<const Model>& model,
                              const std::vector<int32_t>& tokens, const AttentionConfig& ac = {}) {
  CpuForward fw(model, nullptr, ac);
  KvCache cache = make_cache(*model, 32);
  std::vector<float> logits;
  auto ok = fw.run(cache, tokens, true, logits);
  EXPECT_TRUE(ok) << ok.error().message;
  return ok ? logits : std::vector<float>{};
}

TEST_P(TpaForward, ConfigReadsRanks) {
  auto model = t6_model(GetParam(), "cfg" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.arch, "t6");
  EXPECT_TRUE(c.is_tpa());
  EXPECT_EQ(c.rank_q, GetParam());
  EXPECT_EQ(c.rope_mode, kern::RopeMode::neox);
  const KvCacheConfig kv = kv_cache_config(c, 8, kern::KvType::f16);
  EXPECT_EQ(kv.n_head_kv, 1);
  EXPECT_EQ(kv.head_dim, (c.n_head + c.head_dim) * std::max(c.rank_k, c.rank_v));
}

TEST_P(TpaForward, DecodeEqualsPrefillRows) {
  auto model = t6_model(GetParam(), "dec" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  const int64_t n = 24, nv = model->config().n_vocab;
  const auto tokens = some_tokens(n, int32_t(nv), kTokenSeed);
  kern::ThreadPool pool(2);
  for (kern::KvType type : {kern::KvType::f32, kern::KvType::f16}) {
    CpuForward batch_fw(model, &pool);
    KvCache batch = make_cache(*model, 64, type);
    std::vector<float> all;
    ASSERT_TRUE(batch_fw.run(batch, tokens, true, all));
    CpuForward step_fw(model, &pool);
    KvCache step = make_cache(*model, 64, type);
    std::vector<float> one;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(step_fw.run(step, std::span(tokens).subspan(size_t(i), 1), false, one));
      EXPECT_LT(max_diff(one.data(), all.data() + i * nv, nv), kTol) << "token " << i;
    }
  }
}

TEST_P(TpaForward, ChunkSplitsDoNotMatter) {
  auto model = t6_model(GetParam(), "chunk" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  const int64_t nv = model->config().n_vocab;
  const auto tokens = some_tokens(40, int32_t(nv), kTokenSeed);
  CpuForward fw(model, nullptr);
  KvCache one = make_cache(*model, 64);
  std::vector<float> whole, part;
  ASSERT_TRUE(fw.run(one, tokens, false, whole));
  CpuForward fw2(model, nullptr);
  KvCache parts = make_cache(*model, 64);
  ASSERT_TRUE(fw2.run(parts, std::span(tokens).first(13), false, part));
  ASSERT_TRUE(fw2.run(parts, std::span(tokens).subspan(13), false, part));
  EXPECT_LT(max_diff(whole.data(), part.data(), nv), kTol);
}

TEST_P(TpaForward, SingleDimTensorizedEqualsFactorPath) {
  auto model = t6_model(GetParam(), "tens" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  const int64_t nv = model->config().n_vocab;
  const auto tokens = some_tokens(20, int32_t(nv), kTokenSeed);
  const std::vector<float> want = all_logits(model, tokens);
  ASSERT_FALSE(want.empty());
  AttentionConfig ac;
  ac.mode = AttentionMode::tensorized;
  ac.dims.n = {32};
  std::vector<float> got = all_logits(model, tokens, ac);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_LT(max_diff(want.data(), got.data(), int64_t(want.size())), kTol);
  // A real folding (two hops) is a different attention: the logits move, yet stay finite.
  ac.dims.n = {4, 8};
  got = all_logits(model, tokens, ac);
  ASSERT_EQ(got.size(), want.size());
  for (float x : got) ASSERT_TRUE(std::isfinite(x));
  EXPECT_GT(max_diff(want.data(), got.data(), int64_t(want.size())), kTol);
}

TEST_P(TpaForward, HybridDecodesFromTheFactorCache) {
  // Hybrid: the prefill runs tensorized (single dim: exact), the later tokens run the factor
  // kernel over the cache the prefill filled; both must equal full attention throughout.
  auto model = t6_model(GetParam(), "hyb" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  const int64_t nv = model->config().n_vocab;
  const auto tokens = some_tokens(16, int32_t(nv), kTokenSeed);
  const std::vector<float> want = all_logits(model, tokens);
  ASSERT_FALSE(want.empty());
  std::vector<float> got;
  AttentionConfig ac;
  ac.mode = AttentionMode::hybrid;
  ac.dims.n = {32};
  CpuForward hyb(model, nullptr, ac);
  KvCache c2 = make_cache(*model, 32);
  ASSERT_TRUE(hyb.run(c2, std::span(tokens).first(10), false, got));
  hyb.end_tensorized_prefill();
  for (int64_t i = 10; i < 16; ++i) {
    ASSERT_TRUE(hyb.run(c2, std::span(tokens).subspan(size_t(i), 1), false, got));
    EXPECT_LT(max_diff(got.data(), want.data() + i * nv, nv), kTol) << "token " << i;
  }
}

TEST_P(TpaForward, SnapshotRoundTripContinuesTheSame) {
  auto model = t6_model(GetParam(), "snap" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  SessionConfig sc;
  sc.n_ctx = 64;
  sc.n_threads = 1;
  sc.kv_type = kern::KvType::f16;
  auto a = Session::create(model, sc);
  ASSERT_TRUE(a);
  EXPECT_EQ(config_fingerprint((*a)->config()), "kv_type=f16;kv_layout=tpa_factors");
  const auto tokens = some_tokens(12, int32_t(model->config().n_vocab), kTokenSeed);
  ASSERT_TRUE((*a)->prefill(std::span(tokens).first(10)));
  const fs::path path = fs::temp_directory_path() / "quire_test_tpa" /
                        ("snap" + std::to_string(GetParam()) + ".qsnap");
  ASSERT_TRUE(save_snapshot(**a, path));
  auto b = Session::create(model, sc);
  ASSERT_TRUE(b);
  auto loaded = load_snapshot(**b, path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE((*a)->prefill(std::span(tokens).subspan(10)));
  ASSERT_TRUE((*b)->prefill(std::span(tokens).subspan(10)));
  EXPECT_EQ((*a)->logits(), (*b)->logits());
}

TEST_P(TpaForward, RefusesQ8KvCache) {
  auto model = t6_model(GetParam(), "q8" + std::to_string(GetParam()));
  ASSERT_TRUE(model);
  SessionConfig sc;
  sc.kv_type = kern::KvType::q8_0;
  auto s = Session::create(model, sc);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("q8_0"), std::string::npos);
  // A llama-shaped cache is refused by the forward pass before anything runs.
  KvCacheConfig wrong = kv_cache_config(model->config(), 8, kern::KvType::f32);
  wrong.head_dim = model->config().head_dim;
  wrong.n_head_kv = model->config().n_head;
  auto cache = KvCache::create(wrong);
  ASSERT_TRUE(cache);
  CpuForward fw(model, nullptr);
  std::vector<float> logits;
  const std::vector<int32_t> t = {1, 2};
  auto r = fw.run(*cache, t, false, logits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::mismatch);
}

INSTANTIATE_TEST_SUITE_P(Variants, TpaForward, ::testing::Values(int64_t{3}, int64_t{0}));

}  // namespace
}  // namespace quire::engine
