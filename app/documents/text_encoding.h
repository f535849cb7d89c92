// Encoding detection for text files: UTF-8 (with or without BOM), UTF-16 LE/BE with a BOM, and
// Latin-1 as the fallback for bytes that are not valid UTF-8 (older Western text files). The
// result is always valid UTF-8. Detection is deterministic: BOM first, then UTF-8 validity.
#pragma once

#include <string>
#include <string_view>

namespace quire::app {

enum class TextEncoding { utf8, utf8_bom, utf16le, utf16be, latin1 };

std::string_view encoding_name(TextEncoding encoding);  // "utf-8", "utf-16le", "latin-1", ...

struct DecodedText {
  std::string utf8;  // valid UTF-8, BOM removed; UTF-16 lone surrogates become U+FFFD
  TextEncoding encoding = TextEncoding::utf8;
};

DecodedText decode_text(std::string_view bytes);

// Whether `bytes` is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// A file whose first 8 KiB hold a NUL byte (and no UTF-16 BOM) is binary: text never has one.
bool looks_binary(std::string_view bytes);

// Appends code point `cp` as UTF-8 (U+FFFD for values that are not scalar values).
void append_utf8(std::string& out, char32_t cp);

}  // namespace quire::app
