#include "engine/tokenizer/byte_level.h"

#include <array>

namespace quire::engine {
namespace {

struct Tables {
  std::array<std::string, 256> chars;  // byte -> UTF-8 text
  std::array<int16_t, 324> bytes;      // code point (< 324) -> byte, -1 when none

  Tables() {
    bytes.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      const uint32_t cp = printable ? b : next++;
      bytes[cp] = static_cast<int16_t>(b);
      std::string& s = chars[b];
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else {  // all code points here are < 0x800: two UTF-8 bytes
        s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
  }
};

// Built once on first use; const afterwards, so concurrent readers are safe (C++11 statics).
const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_level_char(uint8_t byte) { return tables().chars[byte]; }

void byte_level_encode(std::string_view bytes, std::string& out) {
  const Tables& t = tables();
  for (char c : bytes) out += t.chars[static_cast<uint8_t>(c)];
}

std::optional<std::string> byte_level_decode(std::string_view text) {
  const Tables& t = tables();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c0 = static_cast<uint8_t>(text[i]);
    uint32_t cp;
    if (c0 < 0x80) {
      cp = c0;
      i += 1;
    } else if ((c0 & 0xE0) == 0xC0 && i + 1 < text.size() &&
               (static_cast<uint8_t>(text[i + 1]) & 0xC0) == 0x80) {
      cp = ((c0 & 0x1Fu) << 6) | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu);
      i += 2;
    } else {
      return std::nullopt;
    }
    if (cp >= t.bytes.size() || t.bytes[cp] < 0) return std::nullopt;
    out.push_back(static_cast<char>(t.bytes[cp]));
  }
  return out;
}

}  // namespace quire::engine
