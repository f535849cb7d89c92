#include "engine/tokenizer/vocab.h"

#include <limits>

namespace quire::engine {

TokenType Vocab::type_of(int32_t id) const {
  if (types.empty()) return TokenType::normal;
  const auto t = static_cast<TokenType>(types[static_cast<size_t>(id)]);
  return t == TokenType::undefined ? TokenType::normal : t;
}

Result<Vocab::Kind> parse_vocab_kind(std::string_view ggml_model) {
  if (ggml_model == "llama") return Vocab::Kind::spm;
  if (ggml_model == "gpt2") return Vocab::Kind::bpe;
  return make_error(Errc::unsupported,
                    "tokenizer.ggml.model is '{}'; Quire supports 'llama' (SentencePiece) and "
                    "'gpt2' (byte-level BPE) vocabularies; use a model with one of those",
                    ggml_model);
}

namespace {

Result<void> check_id(const Vocab& v, int32_t id, std::string_view name) {
  if (id < -1 || id >= static_cast<int64_t>(v.tokens.size())) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: {} id {} is outside the vocabulary (0..{}); the model file's "
                      "tokenizer metadata is damaged",
                      name, id, v.tokens.size() - 1);
  }
  return {};
}

}  // namespace

Result<void> validate(const Vocab& v) {
  if (v.tokens.empty()) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: the vocabulary has no tokens (tokenizer.ggml.tokens is empty)");
  }
  if (v.tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return make_error(Errc::corrupt_data, "tokenizer: {} tokens is more than ids can address",
                      v.tokens.size());
  }
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.tokens[i].empty()) {
      return make_error(Errc::corrupt_data, "tokenizer: token {} has empty text", i);
    }
  }
  if (!v.scores.empty() && v.scores.size() != v.tokens.size()) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: {} scores for {} tokens (tokenizer.ggml.scores must have one "
                      "per token)",
                      v.scores.size(), v.tokens.size());
  }
  if (!v.types.empty() && v.types.size() != v.tokens.size()) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: {} token types for {} tokens (tokenizer.ggml.token_type must "
                      "have one per token)",
                      v.types.size(), v.tokens.size());
  }
  for (size_t i = 0; i < v.types.size(); ++i) {
    if (v.types[i] < 0 || v.types[i] > 6) {
      return make_error(Errc::corrupt_data,
                        "tokenizer: token {} ('{}') has type {}; valid types are 0..6", i,
                        v.tokens[i], v.types[i]);
    }
  }
  for (auto [id, name] : {std::pair{v.bos_id, "bos"}, std::pair{v.eos_id, "eos"},
                          std::pair{v.unk_id, "unknown"}, std::pair{v.pad_id, "padding"}}) {
    if (auto r = check_id(v, id, name); !r) return r;
  }
  if (v.kind == Vocab::Kind::spm && !v.merges.empty()) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: a SentencePiece ('llama') vocabulary has {} merges; merges "
                      "belong to 'gpt2' vocabularies",
                      v.merges.size());
  }
  for (size_t i = 0; i < v.merges.size(); ++i) {
    const std::string& m = v.merges[i];
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() ||
        m.find(' ', sp + 1) != std::string::npos) {
      return make_error(Errc::corrupt_data,
                        "tokenizer: merge {} is '{}'; merges must be two tokens separated by "
                        "one space",
                        i, m);
    }
  }
  return {};
}

}  // namespace quire::engine
