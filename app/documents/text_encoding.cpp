#include "app/documents/text_encoding.h"

#include <algorithm>
#include <cstdint>

namespace quire::app {

std::string_view encoding_name(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::utf8: return "utf-8";
    case TextEncoding::utf8_bom: return "utf-8 (BOM)";
    case TextEncoding::utf16le: return "utf-16le";
    case TextEncoding::utf16be: return "utf-16be";
    case TextEncoding::latin1: return "latin-1";
  }
  return "unknown";
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) { ++i; continue; }
    size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool looks_binary(std::string_view bytes) {
  const std::string_view head = bytes.substr(0, 8192);
  if (head.size() >= 2 && ((head[0] == '\xFF' && head[1] == '\xFE') ||
                           (head[0] == '\xFE' && head[1] == '\xFF'))) {
    return false;
  }
  return head.find('\0') != std::string_view::npos;
}

namespace {

std::string decode_utf16(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size());
  auto unit = [&](size_t i) -> char16_t {
    const auto a = uint8_t(bytes[i]);
    const auto b = uint8_t(bytes[i + 1]);
    return little_endian ? char16_t(a | (b << 8)) : char16_t((a << 8) | b);
  };
  size_t i = 0;
  while (i + 1 < bytes.size()) {
    const char16_t u = unit(i);
    i += 2;
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < bytes.size()) {
      const char16_t low = unit(i);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        i += 2;
        append_utf8(out, 0x10000 + ((char32_t(u) - 0xD800) << 10) + (char32_t(low) - 0xDC00));
        continue;
      }
    }
    append_utf8(out, u);  // a lone surrogate becomes U+FFFD there
  }
  if (i < bytes.size()) append_utf8(out, 0xFFFD);  // an odd trailing byte
  return out;
}

}  // namespace

DecodedText decode_text(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    const std::string_view rest = bytes.substr(3);
    if (is_valid_utf8(rest)) return {std::string(rest), TextEncoding::utf8_bom};
    bytes = rest;  // a BOM followed by broken UTF-8: fall through to Latin-1
  } else if (bytes.starts_with("\xFF\xFE")) {
    return {decode_utf16(bytes.substr(2), true), TextEncoding::utf16le};
  } else if (bytes.starts_with("\xFE\xFF")) {
    return {decode_utf16(bytes.substr(2), false), TextEncoding::utf16be};
  } else if (is_valid_utf8(bytes)) {
    return {std::string(bytes), TextEncoding::utf8};
  }
  DecodedText out{std::string(), TextEncoding::latin1};
  out.utf8.reserve(bytes.size() + bytes.size() / 8);
  for (const char c : bytes) append_utf8(out.utf8, char32_t(uint8_t(c)));
  return out;
}

}  // namespace quire::app
