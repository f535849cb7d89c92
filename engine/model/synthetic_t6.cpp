#include "engine/model/synthetic_t6.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/tokenizer/byte_level.h"
#include "kernels/kernels.h"

namespace quire::engine {

namespace {

class Normal {
 public:
  explicit Normal(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x7D6ULL) {}
  float operator()() {  // Box-Muller over two splitmix64 uniforms in (0, 1)
    const double u1 = uniform(), u2 = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) *
                              std::cos(2.0 * std::numbers::pi * u2));
  }

 private:
  double uniform() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
  }
  uint64_t s_;
};

std::vector<uint8_t> encode(const std::vector<float>& x, kern::DType type) {
  std::vector<uint8_t> out(size_t(kern::row_bytes(type, static_cast<int64_t>(x.size()))));
  kern::ref::quantize(out.data(), x.data(), type, static_cast<int64_t>(x.size()));
  return out;
}

}  // namespace

Result<void> write_synthetic_t6(const std::filesystem::path& path, const SyntheticT6Spec& s) {
  if (s.n_layer <= 0 || s.n_embd <= 0 || s.n_head <= 0 || s.head_dim <= 0 ||
      s.head_dim % 2 != 0 || s.rank_q < 0 || s.rank_k <= 0 || s.rank_v <= 0 ||
      s.n_vocab < 257 || s.n_ctx <= 0 || (s.type != "f32" && s.type != "f16")) {
    return make_error(Errc::invalid_argument,
                      "synthetic t6: bad shape (layers {}, embd {}, heads {} of {}, ranks {}/{}/{}, "
                      "vocab {} >= 257, type {} of f32|f16)",
                      s.n_layer, s.n_embd, s.n_head, s.head_dim, s.rank_q, s.rank_k, s.rank_v,
                      s.n_vocab, s.type);
  }
  const kern::DType type = s.type == "f16" ? kern::DType::f16 : kern::DType::f32;
  const int64_t d = s.n_embd, H = s.n_head, D = s.head_dim;
  const int64_t ff = 8 * d / 3;
  gguf::Writer w;
  auto u32 = [](int64_t v) { return gguf::Value::u32(static_cast<uint32_t>(v)); };
  w.set("general.architecture", gguf::Value::str("t6"));
  w.set("general.name", gguf::Value::str(fmt::format("synthetic-t6-{}", s.type)));
  w.set("t6.block_count", u32(s.n_layer));
  w.set("t6.context_length", u32(s.n_ctx));
  w.set("t6.embedding_length", u32(d));
  w.set("t6.feed_forward_length", u32(ff));
  w.set("t6.attention.head_count", u32(H));
  w.set("t6.attention.head_count_kv", u32(H));
  w.set("t6.attention.key_length", u32(D));
  w.set("t6.attention.value_length", u32(D));
  w.set("t6.attention.rank_q", u32(s.rank_q));
  w.set("t6.attention.rank_k", u32(s.rank_k));
  w.set("t6.attention.rank_v", u32(s.rank_v));
  w.set("t6.rope.dimension_count", u32(D));
  w.set("t6.rope.freq_base", gguf::Value::f32(10000.0f));
  w.set("t6.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-6f));
  w.set("t6.vocab_size", u32(s.n_vocab));

  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(byte_level_char(static_cast<uint8_t>(b)));
    types.push_back(1);  // normal
  }
  tokens.emplace_back("<|endoftext|>");
  types.push_back(3);  // control
  for (int64_t i = 257; i < s.n_vocab; ++i) {
    tokens.push_back(fmt::format("<|unused_{}|>", i));
    types.push_back(5);  // unused
  }
  w.set("tokenizer.ggml.model", gguf::Value::str("gpt2"));
  w.set("tokenizer.ggml.pre", gguf::Value::str("gpt2"));
  w.set("tokenizer.ggml.tokens", gguf::Value::strings(tokens));
  w.set("tokenizer.ggml.token_type", gguf::Value::i32s(types));
  w.set("tokenizer.ggml.bos_token_id", u32(256));
  w.set("tokenizer.ggml.eos_token_id", u32(256));
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));

  Normal rng(s.seed);
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, float stddev) {
    std::vector<float> x(size_t(rows * cols));
    for (float& v : x) v = rng() * stddev;
    w.add_tensor(name, type, {cols, rows}, encode(x, type));
  };
  auto ones = [&](const std::string& name) {
    w.add_tensor(name, kern::DType::f32, {d}, encode(std::vector<float>(size_t(d), 1.0f),
                                                     kern::DType::f32));
  };
  matrix("token_embd.weight", s.n_vocab, d, 1.0f);
  ones("output_norm.weight");
  const float in_d = 1.0f / std::sqrt(float(d));
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = fmt::format("blk.{}.", l);
    ones(p + "attn_norm.weight");
    if (s.rank_q == 0) {
      matrix(p + "attn_q.weight", H * D, d, in_d);
    } else {
      matrix(p + "attn_q_a.weight", H * s.rank_q, d, in_d);
      matrix(p + "attn_q_b.weight", s.rank_q * D, d, in_d);
    }
    matrix(p + "attn_k_a.weight", H * s.rank_k, d, in_d);
    matrix(p + "attn_k_b.weight", s.rank_k * D, d, in_d);
    matrix(p + "attn_v_a.weight", H * s.rank_v, d, in_d);
    matrix(p + "attn_v_b.weight", s.rank_v * D, d, in_d);
    matrix(p + "attn_output.weight", d, H * D, 1.0f / std::sqrt(float(H * D)));
    ones(p + "ffn_norm.weight");
    matrix(p + "ffn_gate.weight", ff, d, in_d);
    matrix(p + "ffn_up.weight", ff, d, in_d);
    matrix(p + "ffn_down.weight", d, ff, 1.0f / std::sqrt(float(ff)));
  }
  return w.write(path);
}

}  // namespace quire::engine
