// Tokenizer unit tests on hand-made vocabularies whose expected ids follow from the SentencePiece
// BPE rule (merge the adjacent pair whose union is the best-scored piece) worked out by hand.
#include <gtest/gtest.h>

#include <thread>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/tokenizer.h"
#include "spm_test_vocab.h"

namespace quire::engine {
namespace {

// The common head (spm_test_vocab.h), then a few pieces with scores.
Vocab tiny_spm() {
  testing::SpmTestVocab v;
  v.add("\xE2\x96\x81", -1)                        // 259 "▁"
      .add("h", -2)                                 // 260
      .add("i", -3)                                 // 261
      .add("\xE2\x96\x81h", -4)                    // 262 "▁h"
      .add("\xE2\x96\x81hi", -5)                   // 263 "▁hi"
      .add("<tool>", 0, TokenType::user_defined);   // 264
  return v.vocab();
}

constexpr int32_t byte_id(uint8_t b) { return 3 + b; }

std::unique_ptr<Tokenizer> make(const Vocab& v) {
  auto t = Tokenizer::create(v);
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return t ? std::move(*t) : nullptr;
}

TEST(Vocab, ParsesKinds) {
  EXPECT_EQ(*parse_vocab_kind("llama"), Vocab::Kind::spm);
  EXPECT_EQ(*parse_vocab_kind("gpt2"), Vocab::Kind::bpe);
  const auto bert = parse_vocab_kind("bert");
  ASSERT_FALSE(bert);
  EXPECT_EQ(bert.error().code, Errc::unsupported);
  EXPECT_NE(bert.error().message.find("bert"), std::string::npos);
}

TEST(Vocab, ValidateNamesTheProblem) {
  EXPECT_TRUE(validate(tiny_spm()));
  auto expect_error = [](const Vocab& v, std::string_view needle) {
    const auto r = validate(v);
    ASSERT_FALSE(r) << needle;
    EXPECT_EQ(r.error().code, Errc::corrupt_data);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expect_error(Vocab{}, "no tokens");
  Vocab v = tiny_spm();
  v.scores.pop_back();
  expect_error(v, "scores");
  v = tiny_spm();
  v.types[5] = 9;
  expect_error(v, "type 9");
  v = tiny_spm();
  v.eos_id = 9999;
  expect_error(v, "eos id 9999");
  v = tiny_spm();
  v.tokens[7].clear();
  expect_error(v, "token 7 has empty text");
  v = tiny_spm();
  v.merges = {"a b"};
  expect_error(v, "merges");
  v.kind = Vocab::Kind::bpe;
  v.merges = {"ab"};
  expect_error(v, "merge 0 is 'ab'");
}

TEST(Tokenizer, SpmEncodesByScoreWithPrefixAndByteFallback) {
  const auto tok = make(tiny_spm());
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->n_vocab(), 265);
  EXPECT_EQ(tok->encode("hi", false, false), (std::vector<int32_t>{263}));
  EXPECT_EQ(tok->encode("hi", true, false), (std::vector<int32_t>{1, 263}));
  EXPECT_EQ(tok->encode("hi!", false, false), (std::vector<int32_t>{263, byte_id('!')}));
  // "ih": "▁i" is no piece, so the lone "▁" stays.
  EXPECT_EQ(tok->encode("ih", false, false), (std::vector<int32_t>{259, 261, 260}));
  EXPECT_TRUE(tok->encode("", false, false).empty());
  EXPECT_EQ(tok->encode("", true, false), (std::vector<int32_t>{1}));
}

TEST(Tokenizer, SpmSpecialTokensOnlyWhenAsked) {
  const auto tok = make(tiny_spm());
  ASSERT_TRUE(tok);
  // Parsed: <s> is BOS and the text after it gets the "▁" prefix again.
  EXPECT_EQ(tok->encode("<s>hi", false, true), (std::vector<int32_t>{1, 263}));
  // Not parsed: "<s>" is three characters, spelled with byte pieces.
  EXPECT_EQ(tok->encode("<s>hi", false, false),
            (std::vector<int32_t>{259, byte_id('<'), byte_id('s'), byte_id('>'), 260, 261}));
  // User-defined tokens are always one token.
  EXPECT_EQ(tok->encode("hi<tool>hi", false, false), (std::vector<int32_t>{263, 264, 263}));
  EXPECT_EQ(tok->decode(tok->encode("hi<tool>hi", true, false)), "hi<tool>hi");
}

TEST(Tokenizer, PiecesAndDecode) {
  const auto tok = make(tiny_spm());
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->token_to_piece(263), " hi");
  EXPECT_EQ(tok->token_to_piece(byte_id(0x0A)), "\n");
  EXPECT_EQ(tok->token_to_piece(1), "");
  EXPECT_EQ(tok->token_to_piece(-1), "");
  EXPECT_EQ(tok->token_to_piece(100000), "");
  const std::vector<int32_t> ids = {1, 263, 259, 260, 2};
  EXPECT_EQ(tok->decode(ids), "hi h");
  EXPECT_TRUE(tok->is_eog(2));
  EXPECT_FALSE(tok->is_eog(263));
  EXPECT_EQ(tok->bos(), 1);
  EXPECT_EQ(tok->eos(), 2);
}

TEST(Tokenizer, SpmTurnsInvalidUtf8IntoReplacementCharacters) {
  const auto tok = make(tiny_spm());
  ASSERT_TRUE(tok);
  // SentencePiece's normalizer replaces each invalid byte by U+FFFD (then byte pieces EF BF BD).
  const std::string bad = "h\xFF\xC3i\xF0\x9F";
  EXPECT_EQ(tok->decode(tok->encode(bad, true, false)),
            "h\xEF\xBF\xBD\xEF\xBF\xBDi\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Tokenizer, SpmWithoutUnknownTokenIsRejected) {
  Vocab v = tiny_spm();
  v.types[0] = static_cast<int32_t>(TokenType::control);
  v.unk_id = -1;
  const auto t = Tokenizer::create(v);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("unknown token"), std::string::npos);
}

// The 256 byte-level characters in byte order (so 'a' is id 97), then "bc" 256, "ab" 257,
// "abc" 258 (a token no merge builds), control "<|eot_id|>" 259, "bb" 260, with merges
// "b c" (rank 0), "a b" (rank 1), "b b" (rank 2).
Vocab tiny_bpe(std::string pre) {
  Vocab v;
  v.kind = Vocab::Kind::bpe;
  for (int b = 0; b < 256; ++b) v.tokens.push_back(byte_level_char(static_cast<uint8_t>(b)));
  v.tokens.insert(v.tokens.end(), {"bc", "ab", "abc", "<|eot_id|>", "bb"});
  v.types.assign(v.tokens.size(), 1);
  v.types[259] = static_cast<int32_t>(TokenType::control);
  v.merges = {"b c", "a b", "b b"};
  v.pre = std::move(pre);
  v.add_bos = false;
  v.eos_id = 259;
  return v;
}

TEST(Tokenizer, BpeMergesByRank) {
  const auto tok = make(tiny_bpe("gpt2"));
  ASSERT_TRUE(tok);
  // "b c" outranks "a b": abc -> a + bc, and "a bc" is no merge.
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{'a', 256}));
  // abab -> ab + ab; abbc: "b c" (rank 0) first, then "a b": ab + bc.
  // Overlapping equal pairs merge leftmost first: bbb -> bb + b.
  EXPECT_EQ(tok->encode("bbb", false, false), (std::vector<int32_t>{260, 'b'}));
  EXPECT_EQ(tok->encode("abab", false, false), (std::vector<int32_t>{257, 257}));
  EXPECT_EQ(tok->encode("abbc", false, false), (std::vector<int32_t>{257, 256}));
  // The GPT-2 pre-tokenizer keeps the space with the word: " abc" -> Ġ a bc.
  EXPECT_EQ(tok->encode(" abc", false, false), (std::vector<int32_t>{' ', 'a', 256}));
  EXPECT_EQ(tok->token_to_piece(' '), " ");  // "Ġ" decodes to the space byte
  EXPECT_EQ(tok->encode("ab<|eot_id|>", false, true), (std::vector<int32_t>{257, 259}));
  EXPECT_TRUE(tok->is_eog(259));
}

TEST(Tokenizer, BpeLlama3TakesWholeWordTokens) {
  // Llama 3 (ignore_merges): a word that is a token is that token, whatever the merges say.
  const auto tok = make(tiny_bpe("llama-bpe"));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("abc", false, false), (std::vector<int32_t>{258}));
  // Not a token: merged as usual, a + bc + a + bc.
  EXPECT_EQ(tok->encode("abcabc", false, false), (std::vector<int32_t>{'a', 256, 'a', 256}));
}

// Arbitrary bytes (as a damaged document may hold) never crash either kind; byte-level BPE gives
// them back exactly.
TEST(Tokenizer, ArbitraryBytes) {
  const auto spm = make(tiny_spm());
  const auto bpe = make(tiny_bpe("llama-bpe"));
  ASSERT_TRUE(spm && bpe);
  uint32_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string s;
    const int n = round % 40;
    for (int i = 0; i < n; ++i) {
      state = state * 1664525u + 1013904223u;
      s.push_back(static_cast<char>(state >> 24));
    }
    const auto ids = bpe->encode(s, true, true);
    EXPECT_EQ(bpe->decode(ids), s);
    for (int32_t id : spm->encode(s, true, true)) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, spm->n_vocab());
    }
  }
}

TEST(Tokenizer, SharedAcrossThreads) {
  const auto tok = make(tiny_bpe("llama-bpe"));
  ASSERT_TRUE(tok);
  const std::string text = "abc abab, abbc! <|eot_id|> 123 \xF0\x9F\x98\x80 abcabc\n";
  const auto expected = tok->encode(text, true, true);
  std::vector<std::vector<int32_t>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) got[t] = tok->encode(text, true, true);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(Tokenizer, BpeRejectsUnknownPreTokenizer) {
  Vocab v;
  v.kind = Vocab::Kind::bpe;
  v.tokens = {"a"};
  v.pre = "made-up";
  const auto t = Tokenizer::create(v);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::unsupported);
  EXPECT_NE(t.error().message.find("made-up"), std::string::npos);
}

TEST(Tokenizer, BpeMissingByteTokensIsRejected) {
  Vocab v;
  v.kind = Vocab::Kind::bpe;
  v.tokens = {"a", "b"};
  const auto t = Tokenizer::create(v);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("byte 0x00"), std::string::npos);
}

}  // namespace
}  // namespace quire::engine
