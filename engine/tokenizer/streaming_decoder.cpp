#include "engine/tokenizer/streaming_decoder.h"

namespace quire::engine {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Bytes a character starting with `lead` has, or 0 when `lead` cannot start one.
size_t sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether `b` may follow `lead` as the first continuation byte (rules out overlong forms,
// surrogates and code points above U+10FFFF, as RFC 3629 does).
bool valid_second(uint8_t lead, uint8_t b) {
  switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
  }
}

// How many bytes at `s[i]` are valid so far: returns {valid prefix length, full length}; full
// length 0 when s[i] is invalid as a start.
std::pair<size_t, size_t> scan(std::string_view s, size_t i) {
  const auto lead = static_cast<uint8_t>(s[i]);
  const size_t n = sequence_length(lead);
  if (n <= 1) return {n, n};
  size_t k = 1;
  while (k < n && i + k < s.size()) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    const bool ok = k == 1 ? valid_second(lead, b) : (b & 0xC0) == 0x80;
    if (!ok) return {k, n};
    ++k;
  }
  return {k, n};
}

}  // namespace

Utf8Split split_utf8_tail(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto [valid, full] = scan(bytes, i);
    if (full == 0) {
      ++i;  // invalid byte: complete (it will be replaced)
    } else if (valid == full) {
      i += full;
    } else if (i + valid == bytes.size()) {
      return {i, valid};  // a valid start cut off by the end of the input
    } else {
      i += 1;  // broken sequence: its lead byte is invalid, continue at the next byte
    }
  }
  return {bytes.size(), 0};
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const auto [valid, full] = scan(bytes, i);
    if (full != 0 && valid == full) {
      out.append(bytes.substr(i, full));
      i += full;
    } else {
      out.append(kReplacement);
      i += 1;
    }
  }
  return out;
}

std::string StreamingDecoder::push(int32_t id) {
  tokenizer_->append_decoded(id, segment_start_, pending_);
  const Utf8Split split = split_utf8_tail(pending_);
  std::string ready = sanitize_utf8(std::string_view(pending_).substr(0, split.complete));
  pending_.erase(0, split.complete);
  return ready;
}

std::string StreamingDecoder::flush() {
  std::string rest = sanitize_utf8(pending_);
  pending_.clear();
  segment_start_ = true;
  return rest;
}

}  // namespace quire::engine
