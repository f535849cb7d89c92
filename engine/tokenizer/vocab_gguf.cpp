#include "engine/tokenizer/vocab_gguf.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace quire::engine {

namespace {

// A missing or mistyped tokenizer key makes the model unusable: the file is damaged or was
// converted by a broken tool, which is corrupt_data for the caller.
Error key_error(const gguf::File& file, std::string_view key, const Error& cause) {
  if (cause.code == Errc::not_found) {
    return make_error(Errc::corrupt_data,
                      "{}: the GGUF metadata has no '{}', so the model has no usable tokenizer; "
                      "convert the model again with a current llama.cpp",
                      file.name(), key);
  }
  return make_error(Errc::corrupt_data, "{}", cause.message);
}

// Optional id key: -1 when absent; an error when present but not an integer that fits.
Result<int32_t> optional_id(const gguf::File& file, std::string_view key) {
  if (!file.find(key)) return int32_t{-1};
  auto v = file.get_int(key);
  if (!v) return key_error(file, key, v.error());
  if (*v < -1 || *v > INT32_MAX) {
    return make_error(Errc::corrupt_data, "{}: '{}' is {}, not a token id; the file is damaged",
                      file.name(), key, *v);
  }
  return static_cast<int32_t>(*v);
}

Result<void> optional_bool(const gguf::File& file, std::string_view key, bool& out) {
  if (!file.find(key)) return {};
  auto v = file.get_bool(key);
  if (!v) return key_error(file, key, v.error());
  out = *v;
  return {};
}

Result<void> optional_string(const gguf::File& file, std::string_view key, std::string& out) {
  if (!file.find(key)) return {};
  auto v = file.get_string(key);
  if (!v) return key_error(file, key, v.error());
  out = std::move(*v);
  return {};
}

}  // namespace

Result<Vocab> vocab_from_gguf(const gguf::File& file) {
  Vocab v;
  auto model = file.get_string("tokenizer.ggml.model");
  if (!model) return key_error(file, "tokenizer.ggml.model", model.error());
  auto kind = parse_vocab_kind(*model);
  if (!kind) {
    return make_error(kind.error().code, "{}: {}", file.name(), kind.error().message);
  }
  v.kind = *kind;

  auto tokens = file.get_strings("tokenizer.ggml.tokens");
  if (!tokens) return key_error(file, "tokenizer.ggml.tokens", tokens.error());
  v.tokens = std::move(*tokens);

  if (file.find("tokenizer.ggml.scores")) {
    auto scores = file.get_floats("tokenizer.ggml.scores");
    if (!scores) return key_error(file, "tokenizer.ggml.scores", scores.error());
    v.scores = std::move(*scores);
  }
  if (file.find("tokenizer.ggml.token_type")) {
    auto types = file.get_ints("tokenizer.ggml.token_type");
    if (!types) return key_error(file, "tokenizer.ggml.token_type", types.error());
    v.types.reserve(types->size());
    for (size_t i = 0; i < types->size(); ++i) {
      const int64_t t = (*types)[i];
      if (t < 0 || t > 6) {
        return make_error(Errc::corrupt_data,
                          "{}: tokenizer.ggml.token_type[{}] is {}, outside 0..6; the file is "
                          "damaged",
                          file.name(), i, t);
      }
      v.types.push_back(static_cast<int32_t>(t));
    }
  }
  if (file.find("tokenizer.ggml.merges")) {
    auto merges = file.get_strings("tokenizer.ggml.merges");
    if (!merges) return key_error(file, "tokenizer.ggml.merges", merges.error());
    // SPM files written by some converters carry an (unused) merges list: llama.cpp ignores it.
    if (v.kind == Vocab::Kind::bpe) v.merges = std::move(*merges);
  }

  struct IdKey {
    std::string_view key;
    int32_t* out;
  };
  for (const IdKey& k : {IdKey{"tokenizer.ggml.bos_token_id", &v.bos_id},
                         IdKey{"tokenizer.ggml.eos_token_id", &v.eos_id},
                         IdKey{"tokenizer.ggml.unknown_token_id", &v.unk_id},
                         IdKey{"tokenizer.ggml.padding_token_id", &v.pad_id}}) {
    auto id = optional_id(file, k.key);
    if (!id) return id.error();
    *k.out = *id;
  }
  // llama.cpp's defaults: SPM adds BOS and a space prefix; BPE (Llama 3 style) adds BOS and no
  // prefix. Explicit keys override.
  v.add_bos = true;
  v.add_eos = false;
  v.add_space_prefix = v.kind == Vocab::Kind::spm;
  for (auto r : {optional_bool(file, "tokenizer.ggml.add_bos_token", v.add_bos),
                 optional_bool(file, "tokenizer.ggml.add_eos_token", v.add_eos),
                 optional_bool(file, "tokenizer.ggml.add_space_prefix", v.add_space_prefix),
                 optional_string(file, "tokenizer.ggml.pre", v.pre),
                 optional_string(file, "tokenizer.chat_template", v.chat_template)}) {
    if (!r) return r.error();
  }

  if (auto ok = validate(v); !ok) {
    return make_error(Errc::corrupt_data, "{}: {}", file.name(), ok.error().message);
  }
  return v;
}

}  // namespace quire::engine
