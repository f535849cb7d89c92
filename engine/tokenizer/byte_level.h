// The GPT-2 byte-level alphabet: every byte 0..255 is shown as one printable Unicode character, so
// that BPE works on text and the vocabulary stores bytes as readable strings ("Ġ" is the space
// byte 0x20, "Ċ" is 0x0A). Printable Latin-1 bytes (33..126, 161..172, 174..255) map to
// themselves; the other 68 bytes map, in increasing order, to U+0100, U+0101, ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quire::engine {

// The UTF-8 text of the character that stands for `byte`.
const std::string& byte_level_char(uint8_t byte);

// Appends the byte-level text of raw `bytes` to `out`.
void byte_level_encode(std::string_view bytes, std::string& out);

// The raw bytes a byte-level token stands for, or nullopt when `text` holds a character outside
// the alphabet (then the token is not byte-level text, e.g. a user-defined token).
std::optional<std::string> byte_level_decode(std::string_view text);

}  // namespace quire::engine
