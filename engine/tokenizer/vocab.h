// Vocab: a tokenizer vocabulary as a GGUF file stores it (the tokenizer.ggml.* keys). This is the
// seam between the GGUF reader, which fills it, and Tokenizer::create, which consumes it; nothing
// here reads files.
//
// Key mapping (GGUF name -> field):
//   tokenizer.ggml.model               -> kind ("llama" = spm, "gpt2" = bpe; see parse_vocab_kind)
//   tokenizer.ggml.tokens              -> tokens (raw token text: "▁the", "<0x0A>", "Ġthe")
//   tokenizer.ggml.scores              -> scores (spm merge priority; may be empty for bpe)
//   tokenizer.ggml.token_type          -> types (TokenType values below; empty = all normal)
//   tokenizer.ggml.merges              -> merges ("left right", bpe only, earlier = higher rank)
//   tokenizer.ggml.{bos,eos,unknown,padding}_token_id -> bos_id, eos_id, unk_id, pad_id
//   tokenizer.ggml.add_bos_token / add_eos_token      -> add_bos / add_eos
//   tokenizer.ggml.add_space_prefix   -> add_space_prefix (spm dummy "▁" before the text)
//   tokenizer.ggml.pre                 -> pre (bpe pre-tokenizer name, "llama-bpe", "gpt2", ...)
//   tokenizer.chat_template            -> chat_template (Jinja text, only inspected, never run)
// Ids are indexes into `tokens`; -1 means "this vocabulary has none".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"

namespace quire::engine {

// GGUF tokenizer.ggml.token_type values (the same numbering as SentencePiece's piece types).
enum class TokenType : int32_t {
  undefined = 0,     // treated as normal
  normal = 1,
  unknown = 2,       // <unk>
  control = 3,       // <s>, </s>, <|eot_id|>: never produced from plain text, not printed
  user_defined = 4,  // always matched as one token in text, printed as-is
  unused = 5,
  byte = 6,          // <0xNN>: one raw byte (spm byte fallback)
};

struct Vocab {
  enum class Kind { spm, bpe } kind = Kind::spm;
  std::vector<std::string> tokens;
  std::vector<float> scores;     // one per token, or empty (all 0)
  std::vector<int32_t> types;    // one per token (TokenType values), or empty (all normal)
  std::vector<std::string> merges;  // "a b" strings, bpe only
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = true, add_eos = false, add_space_prefix = true;
  std::string pre;               // tokenizer.ggml.pre, e.g. "llama-bpe"; empty = "default"
  std::string chat_template;

  // The type of token `id` (normal when `types` is empty); `id` must be in range.
  TokenType type_of(int32_t id) const;
};

// "llama" -> spm, "gpt2" -> bpe; anything else (bert, t5, rwkv ...) is Errc::unsupported.
Result<Vocab::Kind> parse_vocab_kind(std::string_view ggml_model);

// Checks what the tokenizers rely on: non-empty, at most 2^31-1 tokens, no empty token text,
// scores/types either empty or one per token, types in 0..6, special ids in range, merges only
// for bpe and each of the form "left right" with both halves non-empty. Errors are
// Errc::corrupt_data and name the offending index and value.
Result<void> validate(const Vocab& vocab);

}  // namespace quire::engine
