// StreamingDecoder: turns generated tokens, one at a time, into text that is always whole UTF-8
// characters. Tokens may end inside a character (an emoji is often three or four byte tokens);
// those bytes are held back until the character completes. Bytes that can never form a valid
// character come out as U+FFFD, so every string returned is valid UTF-8.
//
// Concatenating everything push() and flush() return equals Tokenizer::decode of the same ids
// whenever that text is valid UTF-8.
//
// Thread: one decoder per generation stream, used by one thread; the Tokenizer it refers to must
// outlive it (it is shared and immutable).
#pragma once

#include <cstdint>
#include <string>

#include "engine/tokenizer/tokenizer.h"

namespace quire::engine {

class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

  // Adds token `id`; returns the text that is now complete (possibly empty).
  std::string push(int32_t id);

  // Ends the stream: returns held-back bytes (an incomplete character becomes U+FFFD) and resets
  // the decoder for a new sequence.
  std::string flush();

 private:
  const Tokenizer* tokenizer_;
  std::string pending_;  // bytes not yet returned: at most one incomplete character
  bool segment_start_ = true;
};

// Length of the longest prefix of `bytes` that is valid UTF-8 followed only by an incomplete but
// so far valid character (which a later byte could complete). Exposed for tests.
struct Utf8Split {
  size_t complete;    // bytes [0, complete) are whole characters or invalid bytes to replace
  size_t incomplete;  // bytes [complete, complete + incomplete) start a character, unfinished
};
Utf8Split split_utf8_tail(std::string_view bytes);

// `bytes` with each byte that is not part of a valid UTF-8 character replaced by U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace quire::engine
