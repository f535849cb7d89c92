// StreamingDecoder: characters split across byte tokens come out whole, exactly once.
#include <gtest/gtest.h>

#include "engine/tokenizer/streaming_decoder.h"

namespace quire::engine {
namespace {

// <unk> <s> </s>, byte pieces 3..258, "▁" 259, "a" 260.
Vocab byte_vocab() {
  Vocab v;
  v.tokens = {"<unk>", "<s>", "</s>"};
  v.types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(fmt::format("<0x{:02X}>", b));
    v.types.push_back(6);
  }
  v.tokens.insert(v.tokens.end(), {"\xE2\x96\x81", "a"});
  v.types.insert(v.types.end(), {1, 1});
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  return v;
}

constexpr int32_t byte_id(uint8_t b) { return 3 + b; }

TEST(StreamingDecoder, HoldsBackAnEmojiUntilItsLastByte) {
  auto tok = Tokenizer::create(byte_vocab());
  ASSERT_TRUE(tok) << tok.error().message;
  StreamingDecoder dec(**tok);
  EXPECT_EQ(dec.push(1), "");            // BOS
  EXPECT_EQ(dec.push(260), "a");
  EXPECT_EQ(dec.push(byte_id(0xF0)), "");  // 😀 = F0 9F 98 80
  EXPECT_EQ(dec.push(byte_id(0x9F)), "");
  EXPECT_EQ(dec.push(byte_id(0x98)), "");
  EXPECT_EQ(dec.push(byte_id(0x80)), "\xF0\x9F\x98\x80");
  EXPECT_EQ(dec.push(259), " ");
  EXPECT_EQ(dec.push(byte_id(0xC3)), "");  // é = C3 A9
  EXPECT_EQ(dec.push(byte_id(0xA9)), "\xC3\xA9");
  EXPECT_EQ(dec.flush(), "");
}

TEST(StreamingDecoder, ConcatenationEqualsDecode) {
  auto tok = Tokenizer::create(byte_vocab());
  ASSERT_TRUE(tok) << tok.error().message;
  const std::string text = "a \xE6\x97\xA5\xE6\x9C\xAC a \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD!";  // 日本 👍🏽
  const auto ids = (*tok)->encode(text, true, false);
  StreamingDecoder dec(**tok);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string part = dec.push(id);
    EXPECT_EQ(split_utf8_tail(part).incomplete, 0u) << "partial character returned";
    streamed += part;
  }
  streamed += dec.flush();
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(streamed, (*tok)->decode(ids));
}

TEST(StreamingDecoder, InvalidBytesBecomeReplacementCharacters) {
  auto tok = Tokenizer::create(byte_vocab());
  ASSERT_TRUE(tok) << tok.error().message;
  StreamingDecoder dec(**tok);
  EXPECT_EQ(dec.push(byte_id(0xFF)), "\xEF\xBF\xBD");     // never valid
  EXPECT_EQ(dec.push(byte_id(0xE2)), "");                 // could start "€"
  EXPECT_EQ(dec.push(260), "\xEF\xBF\xBD" "a");           // ... but did not
  EXPECT_EQ(dec.push(byte_id(0xF0)), "");
  EXPECT_EQ(dec.flush(), "\xEF\xBF\xBD");                 // cut off at the end
  EXPECT_EQ(dec.push(260), "a");                          // flush started a new sequence
}

TEST(Utf8, SplitTail) {
  EXPECT_EQ(split_utf8_tail("").complete, 0u);
  EXPECT_EQ(split_utf8_tail("abc").complete, 3u);
  const auto s = split_utf8_tail("ab\xF0\x9F\x98");
  EXPECT_EQ(s.complete, 2u);
  EXPECT_EQ(s.incomplete, 3u);
  // Overlong lead (C0) and surrogate (ED A0) can never complete: nothing held back.
  EXPECT_EQ(split_utf8_tail("a\xC0").incomplete, 0u);
  EXPECT_EQ(split_utf8_tail("a\xED\xA0").incomplete, 0u);
  EXPECT_EQ(sanitize_utf8("a\xED\xA0\x80z"), "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");
  EXPECT_EQ(sanitize_utf8("\xC3\xA9"), "\xC3\xA9");
}

}  // namespace
}  // namespace quire::engine
