// Tokenizer: text <-> token ids for a GGUF vocabulary, `llama` (SentencePiece, through the
// sentencepiece library) or `gpt2` (byte-level BPE with the Llama 3 or GPT-2 pre-tokenizer), with
// the behaviour of llama.cpp: BOS/EOS per the vocabulary's add_bos/add_eos, special tokens split
// out of the text before the plain text is encoded, "▁" prefix for SentencePiece text.
//
// Thread: immutable after create(); every method may be called from any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"
#include "engine/tokenizer/vocab.h"

namespace quire::engine {

class FragmentEncoder;

class Tokenizer {
 public:
  // Validates `vocab` and builds the tokenizer. Errors: corrupt_data (inconsistent metadata),
  // unsupported (an unknown BPE pre-tokenizer).
  static Result<std::unique_ptr<Tokenizer>> create(const Vocab& vocab);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids of `text` (any bytes). Invalid UTF-8 round-trips through byte tokens for `gpt2`
  // vocabularies; SentencePiece's normalizer turns each invalid byte into U+FFFD first.
  // add_special: put BOS / EOS around the text as the vocabulary's add_bos / add_eos say.
  // parse_special: text spelling a control token ("<|eot_id|>", "</s>") becomes that token;
  // when false such text is encoded as ordinary characters (use false for document text, so a
  // book cannot inject control tokens). User-defined tokens are always recognised.
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;

  // The raw bytes token `id` stands for: "▁" becomes a space, <0xNN> and byte-level characters
  // become their bytes, user-defined tokens are their text, control tokens (BOS, EOS, ...) are
  // empty. An id outside the vocabulary gives "". Bytes may be part of a UTF-8 character.
  std::string token_to_piece(int32_t id) const;

  // The text of `ids`: pieces concatenated. For SentencePiece vocabularies with a space prefix,
  // the one space that encode() adds at the start and after each special token is removed
  // again, so that decode(encode(s, add_special, parse_special)) == s. Ids outside the vocabulary
  // are skipped.
  std::string decode(std::span<const int32_t> ids) const;

  // One step of decode(): appends the text of `id` to `out`. `segment_start` carries decode's
  // state from call to call; start a sequence with it true. StreamingDecoder is built on this.
  void append_decoded(int32_t id, bool& segment_start, std::string& out) const;

  int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
  int32_t bos() const { return bos_id_; }
  int32_t eos() const { return eos_id_; }
  Vocab::Kind kind() const { return kind_; }
  // True for tokens that end a generated turn: EOS, and control tokens named like one
  // ("<|eot_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>", "</s>", "<end_of_turn>").
  bool is_eog(int32_t id) const;

 private:
  Tokenizer() = default;

  struct Special {
    std::string text;
    int32_t id;
    bool control;  // control/unknown: only with parse_special; user-defined: always
  };

  Vocab::Kind kind_ = Vocab::Kind::spm;
  std::unique_ptr<FragmentEncoder> encoder_;
  std::vector<std::string> pieces_;   // token_to_piece per id
  std::vector<Special> specials_;     // longest first
  // Per first byte, indexes into specials_ (longest first), so that scanning a document for
  // special tokens costs about one table lookup per byte even with hundreds of them.
  std::array<std::vector<uint32_t>, 256> specials_by_byte_;
  std::vector<int32_t> eog_ids_;      // sorted
  std::vector<bool> special_ids_;     // per id: control, unknown or user-defined
  int32_t bos_id_ = -1, eos_id_ = -1;
  bool add_bos_ = false, add_eos_ = false, strip_leading_space_ = false;
};

}  // namespace quire::engine
