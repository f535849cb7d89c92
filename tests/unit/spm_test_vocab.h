// SentencePiece vocabularies for tests: <unk> <s> </s> (ids 0..2), the 256 byte-fallback pieces
// <0x00>..<0xFF> (ids 3..258), then whatever pieces the test adds, in id order. Byte fallback
// makes every text encodable whatever pieces a test chooses.
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>

#include "engine/tokenizer/vocab.h"

namespace quire::engine::testing {

class SpmTestVocab {
 public:
  SpmTestVocab() {
    vocab_.kind = Vocab::Kind::spm;
    add("<unk>", 0, TokenType::unknown);
    add("<s>", 0, TokenType::control);
    add("</s>", 0, TokenType::control);
    for (int b = 0; b < 256; ++b) add(fmt::format("<0x{:02X}>", b), 0, TokenType::byte);
    vocab_.unk_id = 0;
    vocab_.bos_id = 1;
    vocab_.eos_id = 2;
  }

  // Appends a piece; its id is the number of pieces before it.
  SpmTestVocab& add(std::string piece, float score, TokenType type = TokenType::normal) {
    vocab_.tokens.push_back(std::move(piece));
    vocab_.scores.push_back(score);
    vocab_.types.push_back(static_cast<int32_t>(type));
    return *this;
  }

  const Vocab& vocab() const { return vocab_; }

 private:
  Vocab vocab_;
};

}  // namespace quire::engine::testing
