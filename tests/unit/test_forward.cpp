// CpuForward invariants that do not need a reference implementation (the golden tests in
// tests/golden/check_engine_logits.py compare the numbers with llama_ref.py): decoding token by
// token equals a batched prefill, chunking does not change the result, bad input is refused
// before anything runs, cancellation stops between chunks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/model/synthetic_model.h"
#include "engine/runtime/forward.h"
#include "forward_helpers.h"
#include "kernels/q8_act.h"
#include "kernels/thread_pool.h"

namespace quire::engine {
namespace {

namespace fs = std::filesystem;
using testing::make_cache;
using testing::max_diff;
using testing::some_tokens;

// Float32 sums in other orders (GEMV vs SGEMM paths, other chunk splits) differ by rounding:
// logits are O(1..10), so 1e-3 absolute is ~100x the observed differences and far below what a
// wrong position, cache row or mask would cause.
constexpr float kTol = 1e-3f;
constexpr uint32_t kTokenSeed = 12345;

std::shared_ptr<const Model> tiny_model(const std::string& type) {
  SyntheticSpec spec;
  spec.shape = *synthetic_shape("tiny");
  spec.type = type;
  spec.seed = 5;
  const fs::path path = testing::model_dir("quire_test_forward") / (type + ".gguf");
  return testing::load_written_model(path, bool(write_synthetic_llama(path, spec)));
}

class ForwardTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ForwardTest, DecodeOneByOneEqualsBatchedPrefill) {
  // Decode on quantized weights rounds the activations to 8 bits by default (kernels/q8_act.h),
  // prefill does not; float activations on both sides leave only the summation-order
  // differences kTol is made for, so a wrong position, cache row or mask still shows.
  struct FloatActivations {
    FloatActivations() { kern::cpu::set_q8_activations(false); }
    ~FloatActivations() { kern::cpu::set_q8_activations(true); }
  } float_activations;
  auto model = tiny_model(GetParam());
  ASSERT_TRUE(model);
  const int64_t v = model->config().n_vocab;
  const std::vector<int32_t> tokens = some_tokens(20, static_cast<int32_t>(v), kTokenSeed);
  kern::ThreadPool pool(2);
  CpuForward fwd(model, &pool);

  KvCache batch = make_cache(*model, 64);
  std::vector<float> all;
  ASSERT_TRUE(fwd.run(batch, tokens, true, all));
  ASSERT_EQ(all.size(), tokens.size() * size_t(v));
  EXPECT_EQ(batch.size(), 20);

  // The first 12 as a prefill, then the rest one token at a time.
  KvCache step = make_cache(*model, 64);
  std::vector<float> logits;
  ASSERT_TRUE(fwd.run(step, std::span(tokens).first(12), false, logits));
  ASSERT_EQ(logits.size(), size_t(v));
  EXPECT_LT(max_diff(logits.data(), all.data() + 11 * v, size_t(v)), kTol);
  for (size_t t = 12; t < tokens.size(); ++t) {
    ASSERT_TRUE(fwd.run(step, std::span(tokens).subspan(t, 1), false, logits));
    EXPECT_LT(max_diff(logits.data(), all.data() + int64_t(t) * v, size_t(v)), kTol)
        << "token " << t;
  }
  EXPECT_EQ(step.size(), 20);
}

INSTANTIATE_TEST_SUITE_P(Types, ForwardTest, ::testing::Values("f32", "q4_k_m", "q8_0"));

TEST(Forward, ChunkedPrefillEqualsOneShot) {
  auto model = tiny_model("q8_0");
  ASSERT_TRUE(model);
  const int64_t v = model->config().n_vocab;
  // More than kMaxChunk, so the one-shot run is chunked internally too, at other boundaries.
  const int64_t n = CpuForward::kMaxChunk + 88;
  const std::vector<int32_t> tokens = some_tokens(n, static_cast<int32_t>(v), kTokenSeed);
  CpuForward fwd(model, nullptr);

  KvCache one = make_cache(*model, n);
  std::vector<float> whole;
  ASSERT_TRUE(fwd.run(one, tokens, true, whole));

  KvCache parts = make_cache(*model, n);
  std::vector<float> joined, piece;
  for (int64_t begin : {int64_t{0}, int64_t{100}, int64_t{350}}) {
    const int64_t end = begin == 350 ? n : (begin == 0 ? 100 : 350);
    ASSERT_TRUE(fwd.run(parts, std::span(tokens).subspan(size_t(begin), size_t(end - begin)),
                        true, piece));
    joined.insert(joined.end(), piece.begin(), piece.end());
  }
  ASSERT_EQ(joined.size(), whole.size());
  EXPECT_LT(max_diff(joined.data(), whole.data(), whole.size()), kTol);
  // The logits must depend on the prefix: a different first token changes the last row.
  std::vector<int32_t> other = tokens;
  other[0] = (other[0] + 1) % static_cast<int32_t>(v);
  KvCache again = make_cache(*model, n);
  std::vector<float> moved;
  ASSERT_TRUE(fwd.run(again, other, false, moved));
  EXPECT_GT(max_diff(moved.data(), whole.data() + (n - 1) * v, size_t(v)), 1e-4f);
}

TEST(Forward, RefusesBadTokenIdsBeforeRunning) {
  auto model = tiny_model("f32");
  ASSERT_TRUE(model);
  CpuForward fwd(model, nullptr);
  KvCache cache = make_cache(*model, 16);
  std::vector<float> logits;
  for (int32_t bad : {-1, 384, 1 << 30}) {
    const std::vector<int32_t> tokens = {1, 5, bad};
    auto r = fwd.run(cache, tokens, true, logits);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find(std::to_string(bad)), std::string::npos);
    EXPECT_NE(r.error().message.find("384"), std::string::npos);
    EXPECT_EQ(cache.size(), 0);
  }
  auto empty = fwd.run(cache, {}, true, logits);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST(Forward, ContextOverflowAndForeignCache) {
  auto model = tiny_model("f32");
  ASSERT_TRUE(model);
  CpuForward fwd(model, nullptr);
  std::vector<float> logits;
  KvCache small = make_cache(*model, 4);
  const std::vector<int32_t> five = {1, 2, 3, 4, 5};
  auto r = fwd.run(small, five, false, logits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::context_overflow);
  EXPECT_EQ(small.size(), 0);

  KvCacheConfig cfg = kv_cache_config(model->config(), 16, kern::KvType::f16);
  cfg.n_layer += 1;
  auto foreign = KvCache::create(cfg);
  ASSERT_TRUE(foreign);
  auto m = fwd.run(*foreign, five, false, logits);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::mismatch);
}

TEST(Forward, StopsBetweenChunks) {
  auto model = tiny_model("q4_0");
  ASSERT_TRUE(model);
  CpuForward fwd(model, nullptr);
  const int64_t n = CpuForward::kMaxChunk + 10;
  const std::vector<int32_t> tokens =
      some_tokens(n, static_cast<int32_t>(model->config().n_vocab), kTokenSeed);
  KvCache cache = make_cache(*model, n, kern::KvType::f16);
  std::stop_source stop;
  std::vector<float> logits;
  // The progress sink requests the stop after the first chunk: the second must not run.
  ProgressTracker progress("prefill", "tokens", n, [&stop](const ProgressUpdate& u) {
    if (u.done > 0) stop.request_stop();
  }, steady_seconds, 0.0);
  auto r = fwd.run(cache, tokens, false, logits, stop.get_token(), &progress);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::cancelled);
  EXPECT_EQ(cache.size(), CpuForward::kMaxChunk);
  EXPECT_TRUE(logits.empty());
  // Resuming from where it stopped finishes the prompt.
  ASSERT_TRUE(fwd.run(cache, std::span(tokens).subspan(size_t(cache.size())), false, logits));
  EXPECT_EQ(cache.size(), n);
  EXPECT_EQ(logits.size(), size_t(model->config().n_vocab));
}

}  // namespace
}  // namespace quire::engine
