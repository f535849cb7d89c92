// CpuForward's attention modes on a synthetic model: tensorized with one dim (a chunk holding the
// whole context) is exact attention, so its logits equal full mode's; tensorized decode equals
// tensorized prefill through the whole model; hybrid runs tensorized until the prefill ends;
// the states refuse a KV cache they do not follow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/synthetic_model.h"
#include "engine/runtime/forward.h"
#include "forward_helpers.h"
#include "kernels/thread_pool.h"

namespace quire::engine {
namespace {

namespace fs = std::filesystem;
using testing::make_cache;
using testing::max_diff;
using testing::some_tokens;

// Logits are O(1..10); float32 sums in other orders differ by ~1e-5, a wrong mask or position
// by far more than 1e-3.
constexpr float kTol = 1e-3f;
constexpr uint32_t kTokenSeed = 777;

std::shared_ptr<const Model> tiny_model() {
  SyntheticSpec spec;
  spec.shape = *synthetic_shape("tiny");
  spec.type = "f32";
  spec.seed = 11;
  const fs::path path = testing::model_dir("quire_test_forward_attention") / "tiny.gguf";
  return testing::load_written_model(path, bool(write_synthetic_llama(path, spec)));
}

// All logits of `tokens` run through `fwd` in one call on a fresh cache of n_ctx.
std::vector<float> all_logits(CpuForward& fwd, const Model& m, std::span<const int32_t> tokens,
                              int64_t n_ctx) {
  KvCache cache = make_cache(m, n_ctx);
  std::vector<float> logits;
  const auto ok = fwd.run(cache, tokens, true, logits);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  return logits;
}

AttentionConfig tensorized(AttentionMode mode, kern::TensorDims dims,
                           kern::TensorVariant variant = kern::TensorVariant::complete) {
  return AttentionConfig{mode, std::move(dims), variant, kern::TensorRope::local};
}

TEST(ForwardAttention, TensorizedWithOneDimGivesTheLogitsOfFull) {
  auto model = tiny_model();
  ASSERT_TRUE(model);
  kern::ThreadPool pool(2);
  const auto tokens = some_tokens(30, model->config().n_vocab, kTokenSeed);
  CpuForward full(model, &pool);
  const auto want = all_logits(full, *model, tokens, 64);
  for (auto variant : {kern::TensorVariant::complete, kern::TensorVariant::cone}) {
    CpuForward tens(model, &pool, tensorized(AttentionMode::tensorized, {{64}}, variant));
    EXPECT_LT(max_diff(all_logits(tens, *model, tokens, 64), want), kTol);
  }
  // Two dims change the attention, and so the logits: the mode is really in effect.
  CpuForward two(model, &pool, tensorized(AttentionMode::tensorized, {{4, 16}}));
  EXPECT_GT(max_diff(all_logits(two, *model, tokens, 64), want), 10 * kTol);
}

TEST(ForwardAttention, TensorizedDecodeEqualsPrefill) {
  auto model = tiny_model();
  ASSERT_TRUE(model);
  const int64_t v = model->config().n_vocab;
  const auto tokens = some_tokens(30, v, kTokenSeed);
  for (auto variant : {kern::TensorVariant::complete, kern::TensorVariant::cone}) {
    CpuForward batch(model, nullptr, tensorized(AttentionMode::tensorized, {{4, 8}}, variant));
    const auto want = all_logits(batch, *model, tokens, 32);
    CpuForward step(model, nullptr, tensorized(AttentionMode::tensorized, {{4, 8}}, variant));
    KvCache cache = make_cache(*model, 32);
    std::vector<float> logits;
    ASSERT_TRUE(step.run(cache, std::span(tokens).first(11), false, logits));
    for (size_t t = 11; t < tokens.size(); ++t) {
      ASSERT_TRUE(step.run(cache, std::span(tokens).subspan(t, 1), false, logits));
      const std::vector<float> row(want.begin() + int64_t(t) * v, want.begin() + int64_t(t + 1) * v);
      EXPECT_LT(max_diff(logits, row), kTol) << "token " << t;
    }
    EXPECT_EQ(step.tensorized_states().size(), size_t(model->config().n_layer));
    EXPECT_EQ(step.tensorized_states()[0].size(), 30);
  }
}

TEST(ForwardAttention, HybridIsTensorizedUntilThePrefillEnds) {
  auto model = tiny_model();
  ASSERT_TRUE(model);
  const int64_t v = model->config().n_vocab;
  const auto tokens = some_tokens(24, v, kTokenSeed);
  const auto prefill = std::span(tokens).first(20);
  CpuForward tens(model, nullptr, tensorized(AttentionMode::tensorized, {{4, 8}}));
  const auto want = all_logits(tens, *model, prefill, 32);

  CpuForward hybrid(model, nullptr, tensorized(AttentionMode::hybrid, {{4, 8}}));
  KvCache cache = make_cache(*model, 32);
  std::vector<float> logits;
  ASSERT_TRUE(hybrid.run(cache, prefill, true, logits));
  EXPECT_EQ(logits, want);
  hybrid.end_tensorized_prefill();
  EXPECT_TRUE(hybrid.tensorized_states().empty());
  ASSERT_TRUE(hybrid.run(cache, std::span(tokens).subspan(20), true, logits));
  EXPECT_EQ(cache.size(), 24);

  // With one dim both phases are exact: hybrid then equals full for every token.
  CpuForward full(model, nullptr);
  const auto exact = all_logits(full, *model, tokens, 32);
  CpuForward one(model, nullptr, tensorized(AttentionMode::hybrid, {{32}}));
  KvCache c2 = make_cache(*model, 32);
  std::vector<float> first, rest;
  ASSERT_TRUE(one.run(c2, prefill, true, first));
  one.end_tensorized_prefill();
  ASSERT_TRUE(one.run(c2, std::span(tokens).subspan(20), true, rest));
  first.insert(first.end(), rest.begin(), rest.end());
  EXPECT_LT(max_diff(first, exact), kTol);
}

TEST(ForwardAttention, StatesRefuseACacheTheyDoNotFollowAndDimsTooSmall) {
  auto model = tiny_model();
  ASSERT_TRUE(model);
  const auto tokens = some_tokens(10, model->config().n_vocab, kTokenSeed);
  CpuForward fwd(model, nullptr, tensorized(AttentionMode::tensorized, {{2, 8}}));
  KvCache cache = make_cache(*model, 32);
  std::vector<float> logits;
  ASSERT_TRUE(fwd.run(cache, tokens, false, logits));
  KvCache other = make_cache(*model, 32);
  auto r = fwd.run(other, tokens, false, logits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::mismatch);
  r = fwd.run(cache, tokens, false, logits);  // 20 tokens > 2x8
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::context_overflow);
  EXPECT_EQ(cache.size(), 10);
  EXPECT_EQ(fwd.tensorized_states()[0].size(), 10);
}

// The trained dims come from the GGUF key (integer array or string), else the default rule.
TEST(ForwardAttention, DimsFromTheModelFileOrTheDefaultRule) {
  auto parsed = [](gguf::Value v) {
    gguf::Writer w;
    w.set("general.architecture", gguf::Value::str("llama"));
    if (v.type() != gguf::ValueType::boolean) w.set(kTensorizedDimsKey, std::move(v));
    const auto bytes = w.to_bytes();
    auto f = gguf::File::parse(bytes, "m.gguf");
    EXPECT_TRUE(f) << (f ? "" : f.error().message);
    return std::move(*f);
  };
  auto dims = tensorized_dims(parsed(gguf::Value::i64s({4, 8, 16})), 300);
  ASSERT_TRUE(dims) << dims.error().message;
  EXPECT_EQ(*dims, (kern::TensorDims{{4, 8, 16}}));
  dims = tensorized_dims(parsed(gguf::Value::str("2x64")), 100);
  ASSERT_TRUE(dims);
  EXPECT_EQ(*dims, (kern::TensorDims{{2, 64}}));
  dims = tensorized_dims(parsed(gguf::Value::boolean(true)), 5000);
  ASSERT_TRUE(dims);
  EXPECT_EQ(*dims, kern::default_dims(5000));
  dims = tensorized_dims(parsed(gguf::Value::str("2x64")), 200);
  ASSERT_FALSE(dims);
  EXPECT_EQ(dims.error().code, Errc::context_overflow);
  dims = tensorized_dims(parsed(gguf::Value::str("2x0")), 1);
  ASSERT_FALSE(dims);
  EXPECT_EQ(dims.error().code, Errc::corrupt_data);
  dims = tensorized_dims(parsed(gguf::Value::f32(3.0f)), 1);
  ASSERT_FALSE(dims);
  EXPECT_EQ(dims.error().code, Errc::corrupt_data);
}

}  // namespace
}  // namespace quire::engine
