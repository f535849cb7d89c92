#include "engine/model/synthetic_model.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/rope_scaling.h"
#include "kernels/kernels.h"

namespace quire::engine {

namespace {

constexpr std::string_view kTypes = "f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, q4_k_m, q5_k_m";

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  float normal() {  // Box-Muller, one value per call
    return static_cast<float>(std::sqrt(-2.0 * std::log(uniform())) *
                              std::cos(2.0 * std::numbers::pi * uniform()));
  }

 private:
  uint64_t s_;
};

// The weight type of a matrix under `type`; mixes pick per tensor (llama.cpp's Q4_K_M recipe,
// roughly: use_more_bits layers of attn_v / ffn_down and the output in q6_K).
std::optional<kern::DType> matrix_type(std::string_view type, std::string_view role, int64_t layer,
                                       int64_t n_layer) {
  using kern::DType;
  if (type == "q4_k_m" || type == "q5_k_m") {
    const DType base = type == "q4_k_m" ? DType::q4_k : DType::q5_k;
    const bool more_bits = layer < n_layer / 8 || layer >= 7 * n_layer / 8 ||
                           (layer - n_layer / 8) % 3 == 2;
    if (role == "output") return DType::q6_k;
    if ((role == "attn_v" || role == "ffn_down") && more_bits) return DType::q6_k;
    return base;
  }
  static constexpr std::array<std::pair<std::string_view, DType>, 8> kPlain{{
      {"f32", DType::f32}, {"f16", DType::f16}, {"bf16", DType::bf16}, {"q8_0", DType::q8_0},
      {"q4_0", DType::q4_0}, {"q4_k", DType::q4_k}, {"q5_k", DType::q5_k}, {"q6_k", DType::q6_k}}};
  for (const auto& [name, t] : kPlain) {
    if (name == type) return t;
  }
  return std::nullopt;
}

std::vector<uint8_t> encode(const std::vector<float>& x, kern::DType type) {
  std::vector<uint8_t> out(size_t(kern::row_bytes(type, static_cast<int64_t>(x.size()))));
  kern::ref::quantize(out.data(), x.data(), type, static_cast<int64_t>(x.size()));
  return out;
}

// SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, "▁", then pieces of one, two
// and three lowercase letters, each with and without the "▁" prefix, until n_vocab. Every piece
// longer than one character splits into two shorter pieces of the vocabulary, so the BPE merges
// of the SentencePiece encoder can reach it.
void add_vocab(gguf::Writer& w, int64_t n_vocab) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(fmt::format("<0x{:02X}>", b));
    types.push_back(6);
  }
  const std::string space = "\xE2\x96\x81";
  std::vector<std::string> pieces = {space};
  std::vector<std::string> words;
  for (char a = 'a'; a <= 'z'; ++a) words.emplace_back(1, a);
  for (size_t len = 1; len <= 3; ++len) {
    std::vector<std::string> longer;
    for (const std::string& word : words) {
      if (word.size() != len) continue;
      pieces.push_back(word);
      pieces.push_back(space + word);
      for (char a = 'a'; a <= 'z'; ++a) longer.push_back(word + a);
    }
    words.insert(words.end(), longer.begin(), longer.end());
  }
  for (size_t i = 0; tokens.size() < size_t(n_vocab) && i < pieces.size(); ++i) {
    tokens.push_back(pieces[i]);
    types.push_back(1);
  }
  std::vector<float> scores(tokens.size(), 0.0f);
  for (size_t i = 259; i < scores.size(); ++i) scores[i] = -static_cast<float>(i - 259);
  w.set("tokenizer.ggml.model", gguf::Value::str("llama"));
  w.set("tokenizer.ggml.tokens", gguf::Value::strings(tokens));
  w.set("tokenizer.ggml.scores", gguf::Value::floats(scores));
  w.set("tokenizer.ggml.token_type", gguf::Value::i32s(types));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  w.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(0));
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(true));
  w.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(false));
}

}  // namespace

Result<SyntheticShape> synthetic_shape(std::string_view name) {
  static const std::array<SyntheticShape, 5> kShapes{{
      {"tiny", 2, 256, 512, 8, 2, 384, 512},
      {"tiny-mha", 2, 256, 512, 8, 8, 384, 512},
      {"stories15m", 6, 288, 768, 6, 6, 32000, 256},
      {"stories110m", 12, 768, 2048, 12, 12, 32000, 1024},
      {"tinyllama", 22, 2048, 5632, 32, 4, 32000, 2048},
  }};
  for (const SyntheticShape& s : kShapes) {
    if (s.name == name) return s;
  }
  return make_error(Errc::invalid_argument,
                    "unknown model shape '{}'; choose one of: tiny, tiny-mha, stories15m, "
                    "stories110m, tinyllama",
                    name);
}

Result<void> write_synthetic_llama(const std::filesystem::path& path, const SyntheticSpec& spec) {
  const SyntheticShape& s = spec.shape;
  if (!matrix_type(spec.type, "attn_q", 0, 1)) {
    return make_error(Errc::invalid_argument, "unknown weight type '{}'; choose one of: {}",
                      spec.type, kTypes);
  }
  if (s.n_layer <= 0 || s.n_embd <= 0 || s.n_ff <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 ||
      s.n_embd % s.n_head != 0 || s.n_head % s.n_head_kv != 0 || (s.n_embd / s.n_head) % 2 != 0 ||
      s.n_embd % 32 != 0 || s.n_ff % 32 != 0 || s.n_vocab < 259 + 26 || s.n_ctx <= 0) {
    return make_error(Errc::invalid_argument,
                      "synthetic shape '{}' does not add up: sizes must be positive multiples of "
                      "32, heads must divide the width and the kv heads the heads, the head size "
                      "even, and the vocabulary at least 285",
                      s.name);
  }
  const int64_t head_dim = s.n_embd / s.n_head;
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::str("llama"));
  w.set("general.name", gguf::Value::str(fmt::format("synthetic-{}-{}", s.name, spec.type)));
  w.set("llama.context_length", gguf::Value::u32(uint32_t(s.n_ctx)));
  w.set("llama.embedding_length", gguf::Value::u32(uint32_t(s.n_embd)));
  w.set("llama.block_count", gguf::Value::u32(uint32_t(s.n_layer)));
  w.set("llama.feed_forward_length", gguf::Value::u32(uint32_t(s.n_ff)));
  w.set("llama.attention.head_count", gguf::Value::u32(uint32_t(s.n_head)));
  w.set("llama.attention.head_count_kv", gguf::Value::u32(uint32_t(s.n_head_kv)));
  w.set("llama.rope.dimension_count", gguf::Value::u32(uint32_t(head_dim)));
  w.set("llama.rope.freq_base", gguf::Value::f32(spec.rope_base));
  if (spec.rope_scale > 0.0f) {
    w.set("llama.rope.scaling.type", gguf::Value::str("linear"));
    w.set("llama.rope.scaling.factor", gguf::Value::f32(spec.rope_scale));
  }
  w.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
  w.set("llama.vocab_size", gguf::Value::u32(uint32_t(s.n_vocab)));
  add_vocab(w, s.n_vocab);

  Rng rng(spec.seed);
  auto random = [&rng](int64_t n, float mean, float stddev) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = mean + stddev * rng.normal();
    return v;
  };
  auto add_matrix = [&](const std::string& name, std::string_view role, int64_t layer,
                        int64_t rows, int64_t cols, float stddev) {
    kern::DType type = *matrix_type(spec.type, role, layer, s.n_layer);
    if (cols % kern::dtype_info(type).block_elems != 0) type = kern::DType::q8_0;
    w.add_tensor(name, type, {cols, rows}, encode(random(rows * cols, 0.0f, stddev), type));
  };
  auto add_norm = [&](const std::string& name) {
    w.add_tensor(name, kern::DType::f32, {s.n_embd},
                 encode(random(s.n_embd, 1.0f, 0.1f), kern::DType::f32));
  };
  const float inv_embd = 1.0f / std::sqrt(static_cast<float>(s.n_embd));
  add_matrix("token_embd.weight", "token_embd", 0, s.n_vocab, s.n_embd, 1.0f);
  if (spec.llama3_rope) {
    const std::vector<float> ff =
        llama3_rope_freq_factors(head_dim, spec.rope_base, 8.0f, 1.0f, 4.0f, 64);
    w.add_tensor("rope_freqs.weight", kern::DType::f32, {head_dim / 2}, encode(ff, kern::DType::f32));
  }
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = fmt::format("blk.{}.", l);
    add_norm(p + "attn_norm.weight");
    add_matrix(p + "attn_q.weight", "attn_q", l, s.n_embd, s.n_embd, inv_embd);
    add_matrix(p + "attn_k.weight", "attn_k", l, s.n_head_kv * head_dim, s.n_embd, inv_embd);
    add_matrix(p + "attn_v.weight", "attn_v", l, s.n_head_kv * head_dim, s.n_embd, inv_embd);
    add_matrix(p + "attn_output.weight", "attn_output", l, s.n_embd, s.n_embd, inv_embd);
    add_norm(p + "ffn_norm.weight");
    add_matrix(p + "ffn_gate.weight", "ffn_gate", l, s.n_ff, s.n_embd, inv_embd);
    add_matrix(p + "ffn_up.weight", "ffn_up", l, s.n_ff, s.n_embd, inv_embd);
    add_matrix(p + "ffn_down.weight", "ffn_down", l, s.n_embd, s.n_ff,
               1.0f / std::sqrt(static_cast<float>(s.n_ff)));
  }
  add_norm("output_norm.weight");
  if (!spec.tied_output) {
    add_matrix("output.weight", "output", 0, s.n_vocab, s.n_embd, 3.0f * inv_embd);
  }
  return w.write(path);
}

}  // namespace quire::engine
