// FragmentEncoder: the part of a tokenizer that differs between vocabulary kinds. Tokenizer splits
// the input at special tokens itself and hands each plain-text fragment to one of these.
//
// Thread: implementations are immutable after construction and encode() is safe to call from any
// number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/base/result.h"
#include "engine/tokenizer/vocab.h"

namespace quire::engine {

class FragmentEncoder {
 public:
  virtual ~FragmentEncoder() = default;

  // Appends the ids of `text`, which holds no special token to recognise (any bytes, valid UTF-8
  // or not, all of which end up in some token). `starts_segment` is true for the first fragment
  // of the input and for fragments right after a special token: SentencePiece vocabularies put
  // their "▁" space prefix there (as llama.cpp does).
  virtual void encode(std::string_view text, bool starts_segment,
                      std::vector<int32_t>& out) const = 0;
};

// Builders for the two kinds; `vocab` is validated and of the matching kind.
Result<std::unique_ptr<FragmentEncoder>> make_spm_encoder(const Vocab& vocab);
Result<std::unique_ptr<FragmentEncoder>> make_bpe_encoder(const Vocab& vocab);

}  // namespace quire::engine
