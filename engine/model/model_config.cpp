#include "engine/model/model_config.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/model/model_config_t6.h"

namespace quire::engine {

namespace {

constexpr std::string_view kSupportedArchs = "llama, t6";
// Sanity bounds: far above any real model, low enough that products of them cannot overflow.
constexpr int64_t kMaxDim = int64_t{1} << 20;
constexpr int64_t kMaxLayers = 4096;

class Reader {
 public:
  Reader(const gguf::File& file, std::string arch) : file_(file), arch_(std::move(arch)) {}

  std::string key(std::string_view suffix) const { return fmt::format("{}.{}", arch_, suffix); }

  // An integer key that may also be a per-layer array: accepted when all entries are equal
  // (what this engine supports), as llama_ref.py does.
  Result<int64_t> integer(std::string_view suffix, int64_t fallback, bool required) const {
    const std::string k = key(suffix);
    const gguf::Value* v = file_.find(k);
    if (!v) {
      if (required) {
        return make_error(Errc::corrupt_data,
                          "{}: the GGUF metadata lacks the required key '{}'; the file is not a "
                          "complete model, convert it again",
                          file_.name(), k);
      }
      return fallback;
    }
    if (const gguf::Array* a = v->as_array()) {
      std::optional<int64_t> first;
      for (const gguf::Value& item : a->items) {
        auto x = item.as_int();
        if (!x || (first && *x != *first)) {
          return make_error(Errc::unsupported,
                            "{}: '{}' is an array with differing or non-integer entries; "
                            "per-layer sizes are not supported",
                            file_.name(), k);
        }
        first = *x;
      }
      if (!first) {
        return make_error(Errc::corrupt_data, "{}: '{}' is an empty array", file_.name(), k);
      }
      return *first;
    }
    auto x = file_.get_int(k);
    if (!x) return make_error(Errc::corrupt_data, "{}", x.error().message);
    return *x;
  }

  Result<double> real(std::string_view suffix, double fallback, bool required) const {
    const std::string k = key(suffix);
    if (!file_.find(k)) {
      if (required) {
        return make_error(Errc::corrupt_data,
                          "{}: the GGUF metadata lacks the required key '{}'; convert the model "
                          "again with a current llama.cpp",
                          file_.name(), k);
      }
      return fallback;
    }
    auto x = file_.get_float(k);
    if (!x) return make_error(Errc::corrupt_data, "{}", x.error().message);
    return *x;
  }

 private:
  const gguf::File& file_;
  std::string arch_;
};

Result<void> check_range(const gguf::File& file, std::string_view what, int64_t v, int64_t lo,
                         int64_t hi) {
  if (v < lo || v > hi) {
    return make_error(Errc::corrupt_data, "{}: {} is {}, outside [{}, {}]; the file is damaged",
                      file.name(), what, v, lo, hi);
  }
  return {};
}

}  // namespace

Result<ModelConfig> config_from_gguf(const gguf::File& file) {
  ModelConfig c;
  auto arch = file.get_string("general.architecture");
  if (!arch) {
    return make_error(Errc::corrupt_data,
                      "{}: no 'general.architecture' in the metadata; this is not a model file "
                      "Quire can run (supported: {})",
                      file.name(), kSupportedArchs);
  }
  if (*arch != "llama" && *arch != "t6") {
    return make_error(Errc::unsupported,
                      "{}: architecture '{}' is not supported; Quire runs: {} (Llama 1/2/3, "
                      "TinyLlama, Mistral-style dense models; T6 tensor product attention)",
                      file.name(), *arch, kSupportedArchs);
  }
  c.arch = *arch;
  if (auto n = file.get_string("general.name")) c.name = *n;
  const Reader r(file, c.arch);

  auto get = [&](std::string_view suffix, int64_t fallback, bool required,
                 int64_t& out) -> Result<void> {
    auto v = r.integer(suffix, fallback, required);
    if (!v) return v.error();
    out = *v;
    return {};
  };
  for (auto res : {get("block_count", 0, true, c.n_layer),
                   get("embedding_length", 0, true, c.n_embd),
                   get("feed_forward_length", 0, true, c.n_ff),
                   get("attention.head_count", 0, true, c.n_head),
                   get("context_length", 0, false, c.n_ctx_train)}) {
    if (!res) return res.error();
  }
  for (auto res : {check_range(file, r.key("block_count"), c.n_layer, 1, kMaxLayers),
                   check_range(file, r.key("embedding_length"), c.n_embd, 1, kMaxDim),
                   check_range(file, r.key("feed_forward_length"), c.n_ff, 1, kMaxDim),
                   check_range(file, r.key("attention.head_count"), c.n_head, 1, c.n_embd),
                   check_range(file, r.key("context_length"), c.n_ctx_train, 0,
                               int64_t{1} << 31)}) {
    if (!res) return res.error();
  }
  int64_t n_experts = 0;
  if (auto res = get("expert_count", 0, false, n_experts); !res) return res.error();
  if (n_experts != 0) {
    return make_error(Errc::unsupported,
                      "{}: '{}' is {}: mixture-of-experts models are not supported; use a dense "
                      "Llama model",
                      file.name(), r.key("expert_count"), n_experts);
  }
  int64_t value_length = 0;
  for (auto res : {get("attention.head_count_kv", c.n_head, false, c.n_head_kv),
                   get("attention.key_length", c.n_embd / c.n_head, false, c.head_dim),
                   get("attention.value_length", c.n_embd / c.n_head, false, value_length)}) {
    if (!res) return res.error();
  }
  for (auto res : {check_range(file, r.key("attention.head_count_kv"), c.n_head_kv, 1, c.n_head),
                   check_range(file, r.key("attention.key_length"), c.head_dim, 1, kMaxDim)}) {
    if (!res) return res.error();
  }
  if (c.n_head % c.n_head_kv != 0) {
    return make_error(Errc::corrupt_data,
                      "{}: head_count {} is not a multiple of head_count_kv {}; grouped-query "
                      "attention needs whole groups",
                      file.name(), c.n_head, c.n_head_kv);
  }
  if (value_length != c.head_dim) {
    return make_error(Errc::unsupported,
                      "{}: '{}' {} differs from '{}' {}; llama models need equal key and value "
                      "head sizes",
                      file.name(), r.key("attention.value_length"), value_length,
                      r.key("attention.key_length"), c.head_dim);
  }
  if (auto res = get("rope.dimension_count", c.head_dim, false, c.n_rot); !res) {
    return res.error();
  }
  if (c.n_rot != c.head_dim) {
    return make_error(Errc::corrupt_data,
                      "{}: '{}' is {} but the head size is {}; llama.cpp rejects such a llama "
                      "model too",
                      file.name(), r.key("rope.dimension_count"), c.n_rot, c.head_dim);
  }
  if (c.n_rot % 2 != 0) {
    return make_error(Errc::corrupt_data, "{}: the rotary dimension {} is odd", file.name(),
                      c.n_rot);
  }

  auto eps = r.real("attention.layer_norm_rms_epsilon", 0.0, true);
  if (!eps) return eps.error();
  auto base = r.real("rope.freq_base", 10000.0, false);
  if (!base) return base.error();
  if (!(*eps > 0.0 && *eps < 1.0) || !(*base > 0.0)) {
    return make_error(Errc::corrupt_data,
                      "{}: rms epsilon {} must lie in (0, 1) and rope freq_base {} must be "
                      "positive; the file is damaged",
                      file.name(), *eps, *base);
  }
  c.rms_eps = static_cast<float>(*eps);
  c.rope_base = static_cast<float>(*base);

  std::string scaling = "linear";
  if (file.find(r.key("rope.scaling.type"))) {
    auto s = file.get_string(r.key("rope.scaling.type"));
    if (!s) return make_error(Errc::corrupt_data, "{}", s.error().message);
    scaling = *s;
  }
  if (scaling != "none" && scaling != "linear") {
    return make_error(Errc::unsupported,
                      "{}: RoPE scaling '{}' is not supported (supported: none, linear, and "
                      "llama3 through rope_freqs.weight)",
                      file.name(), scaling);
  }
  auto factor = file.find(r.key("rope.scaling.factor")) ? r.real("rope.scaling.factor", 0, true)
                                                        : r.real("rope.scale_linear", 0, false);
  if (!factor) return factor.error();
  if (*factor < 0.0) {
    return make_error(Errc::corrupt_data, "{}: the rope scaling factor {} is negative",
                      file.name(), *factor);
  }
  c.freq_scale = (*factor == 0.0 || scaling == "none") ? 1.0f : static_cast<float>(1.0 / *factor);

  int64_t n_tokens_listed = -1;
  if (const gguf::Value* t = file.find("tokenizer.ggml.tokens")) {
    if (const gguf::Array* a = t->as_array()) n_tokens_listed = static_cast<int64_t>(a->items.size());
  }
  if (file.find(r.key("vocab_size"))) {
    if (auto res = get("vocab_size", 0, true, c.n_vocab); !res) return res.error();
    if (n_tokens_listed >= 0 && n_tokens_listed != c.n_vocab) {
      return make_error(Errc::corrupt_data,
                        "{}: '{}' is {} but tokenizer.ggml.tokens lists {} tokens; the file is "
                        "inconsistent, convert it again",
                        file.name(), r.key("vocab_size"), c.n_vocab, n_tokens_listed);
    }
  } else if (n_tokens_listed >= 0) {
    c.n_vocab = n_tokens_listed;
  } else {
    return make_error(Errc::corrupt_data,
                      "{}: neither '{}' nor tokenizer.ggml.tokens is present, so the vocabulary "
                      "size is unknown",
                      file.name(), r.key("vocab_size"));
  }
  if (auto res = check_range(file, "the vocabulary size", c.n_vocab, 1, INT32_MAX); !res) {
    return res.error();
  }
  c.rope_mode = kern::RopeMode::normal;
  if (c.arch == "t6") {
    if (auto ok = read_t6_config(file, c); !ok) return ok.error();
  }
  return c;
}

}  // namespace quire::engine
