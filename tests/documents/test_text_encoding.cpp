#include <gtest/gtest.h>

#include <string>

#include "app/documents/text_encoding.h"

namespace quire::app {
namespace {

using namespace std::string_literals;

TEST(TextEncoding, PlainUtf8IsKept) {
  const auto d = decode_text("caf\xC3\xA9 \xE2\x82\xAC\n");
  EXPECT_EQ(d.encoding, TextEncoding::utf8);
  EXPECT_EQ(d.utf8, "caf\xC3\xA9 \xE2\x82\xAC\n");
}

TEST(TextEncoding, Utf8BomIsRemoved) {
  const auto d = decode_text("\xEF\xBB\xBFhi");
  EXPECT_EQ(d.encoding, TextEncoding::utf8_bom);
  EXPECT_EQ(d.utf8, "hi");
}

TEST(TextEncoding, Utf16LittleAndBigEndianWithBom) {
  // "aé€😀" : U+0061 U+00E9 U+20AC U+1F600 (a surrogate pair D83D DE00).
  const std::string le = "\xFF\xFE" "a\0\xE9\0\xAC\x20\x3D\xD8\x00\xDE"s;
  const std::string be = "\xFE\xFF" "\0a\0\xE9\x20\xAC\xD8\x3D\xDE\x00"s;
  const std::string want = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const auto l = decode_text(le);
  const auto b = decode_text(be);
  EXPECT_EQ(l.encoding, TextEncoding::utf16le);
  EXPECT_EQ(b.encoding, TextEncoding::utf16be);
  EXPECT_EQ(l.utf8, want);
  EXPECT_EQ(b.utf8, want);
}

TEST(TextEncoding, LoneSurrogateAndOddByteBecomeReplacementCharacters) {
  const auto d = decode_text("\xFF\xFE\x00\xD8" "b\0" "c"s);
  EXPECT_EQ(d.utf8, "\xEF\xBF\xBD" "b" "\xEF\xBF\xBD");
}

TEST(TextEncoding, InvalidUtf8FallsBackToLatin1) {
  const auto d = decode_text("na\xEFve caf\xE9");
  EXPECT_EQ(d.encoding, TextEncoding::latin1);
  EXPECT_EQ(d.utf8, "na\xC3\xAFve caf\xC3\xA9");
  EXPECT_TRUE(is_valid_utf8(d.utf8));
}

TEST(TextEncoding, Utf8ValidatorRejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // cut short
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
}

TEST(TextEncoding, BinaryMeansNulWithoutUtf16Bom) {
  EXPECT_TRUE(looks_binary("ELF\0\1\2"s));
  EXPECT_FALSE(looks_binary("\xFF\xFEh\0i\0"s));
  EXPECT_FALSE(looks_binary("plain text"));
}

}  // namespace
}  // namespace quire::app
