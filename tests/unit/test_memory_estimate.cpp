// The memory estimate against numbers computed by hand from the tiny model's shape (2 layers,
// width 256, ff 512, 8 heads of 32 over 2 KV heads, vocab 384).
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "engine/gguf/gguf.h"
#include "engine/model/synthetic_model.h"
#include "engine/runtime/memory_estimate.h"

namespace quire::engine {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.n_layer = 2;
  c.n_embd = 256;
  c.n_ff = 512;
  c.n_head = 8;
  c.n_head_kv = 2;
  c.head_dim = 32;
  c.n_vocab = 384;
  return c;
}

SessionConfig with(int64_t n_ctx, kern::KvType type) {
  SessionConfig s;
  s.n_ctx = n_ctx;
  s.kv_type = type;
  return s;
}

TEST(MemoryEstimate, KvCacheAndScratchByHand) {
  // f16: 2 (K, V) x 2 layers x 2 kv heads x 32 x 2 bytes = 512 bytes a token.
  auto m = estimate_memory(tiny_config(), 1000, with(1024, kern::KvType::f16));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->weights, 1000);
  EXPECT_EQ(m->kv_cache, 524288);
  // One 512-token chunk of 2*256 + 2*256 + 2*64 + 2*512 = 2176 floats a token, plus 384 logits.
  EXPECT_EQ(m->scratch, 512 * 2176 * 4 + 384 * 4);
  EXPECT_EQ(m->tensorized, 0);
  EXPECT_EQ(m->total(), 1000 + 524288 + 4457984);
}

TEST(MemoryEstimate, Q8KvCacheIs34BytesPer32Values) {
  auto m = estimate_memory(tiny_config(), 0, with(1024, kern::KvType::q8_0));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->kv_cache, 2 * 2 * 2 * 34 * 1024);
}

TEST(MemoryEstimate, ShortContextShrinksTheChunk) {
  auto m = estimate_memory(tiny_config(), 0, with(100, kern::KvType::f16));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->scratch, 100 * 2176 * 4 + 384 * 4);
  EXPECT_EQ(m->kv_cache, 512 * 100);
}

TEST(MemoryEstimate, RefusesWhatTheSessionWouldRefuse) {
  EXPECT_EQ(estimate_memory(tiny_config(), 0, with(0, kern::KvType::f16)).error().code,
            Errc::invalid_argument);
  ModelConfig odd = tiny_config();
  odd.head_dim = 48;
  auto m = estimate_memory(odd, 0, with(64, kern::KvType::q8_0));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("f16"), std::string::npos);
}

TEST(MemoryEstimate, FromAFileCountsEveryTensorByte) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("quire_memory_estimate_" + std::to_string(::getpid()) + ".gguf");
  auto shape = synthetic_shape("tiny");
  ASSERT_TRUE(shape);
  SyntheticSpec spec;
  spec.shape = *shape;
  spec.type = "f32";
  ASSERT_TRUE(write_synthetic_llama(path, spec));
  auto file = gguf::File::open(path);
  ASSERT_TRUE(file) << file.error().message;
  // Elements: token_embd and output 384*256 each, output_norm 256; per layer two norms of 256,
  // wq and wo 256*256, wk and wv 64*256, gate, up and down 512*256. All f32.
  const int64_t per_layer = 2 * 256 + 2 * 65536 + 2 * 16384 + 3 * 131072;
  const int64_t elements = 2 * 98304 + 256 + 2 * per_layer;
  auto full = estimate_memory(*file, with(1024, kern::KvType::f16));
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->weights, elements * 4);
  EXPECT_EQ(full->kv_cache, 524288);
  EXPECT_EQ(full->tensorized, 0);
  SessionConfig tensorized = with(1024, kern::KvType::f16);
  tensorized.attention.mode = AttentionMode::tensorized;
  auto t = estimate_memory(*file, tensorized);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_GT(t->tensorized, 0);
  EXPECT_EQ(t->kv_cache, full->kv_cache);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace quire::engine
