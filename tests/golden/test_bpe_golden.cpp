// Byte-level BPE golden: bpe_train.py trains a small vocabulary on Genesis; the independent Python
// encoder bpe_ref.py (GPT-2 algorithm, `regex` module) and Quire's Tokenizer (heap merges, PCRE2)
// must give identical ids for hundreds of strings, with the Llama 3 and the GPT-2 pre-tokenizers,
// with and without special-token parsing; decode(encode(s)) must give s back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/tokenizer.h"
#include "tests/golden/golden_env.h"
#include "tests/golden/tokenizer_strings.h"

namespace quire::engine {
namespace {

using quire::test::shell_quote;

const std::string kPython = "/usr/bin/python3";
const std::string kScripts = QUIRE_GOLDEN_DIR;

class BpeGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(BpeGolden, MatchesPythonReferenceOnHundredsOfStrings) {
  if (!quire::test::have_program("bible")) GTEST_SKIP() << "bible (bible-kjv) is not installed";
  if (quire::test::run_shell(kPython + " -c 'import regex' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-regex is not installed";
  }
  const std::string pre = GetParam();
  quire::test::ScratchDir dir;
  const auto corpus = dir.path() / "genesis.txt";
  ASSERT_TRUE(quire::test::write_corpus(corpus));
  const auto vocab_json = dir.path() / "vocab.json";
  ASSERT_EQ(quire::test::run_shell(kPython + " " + shell_quote(kScripts + "/bpe_train.py") + " " +
                                   shell_quote(corpus.string()) + " " +
                                   shell_quote(vocab_json.string()) + " 300"),
            0);
  const auto strings = quire::test::tokenizer_test_strings();
  ASSERT_GE(strings.size(), 400u);
  std::vector<std::string> with_specials = strings;
  with_specials.push_back("<|begin_of_text|>Hello<|eot_id|>");
  with_specials.push_back("a <|eot_id|> b<|end_of_text|><|eot_id|>c");
  with_specials.push_back("<|eot_id|");
  const auto strings_json = dir.path() / "strings.json";
  quire::test::write_file(strings_json, nlohmann::json(with_specials).dump());
  const auto out_json = dir.path() / "ref.json";
  ASSERT_EQ(quire::test::run_shell(kPython + " " + shell_quote(kScripts + "/bpe_ref.py") + " " +
                                   shell_quote(vocab_json.string()) + " " +
                                   shell_quote(strings_json.string()) + " " + shell_quote(pre) +
                                   " " + shell_quote(out_json.string())),
            0);

  const auto vj = nlohmann::json::parse(quire::test::read_file(vocab_json));
  Vocab v;
  v.kind = Vocab::Kind::bpe;
  v.tokens = vj["tokens"].get<std::vector<std::string>>();
  v.types = vj["types"].get<std::vector<int32_t>>();
  v.merges = vj["merges"].get<std::vector<std::string>>();
  v.pre = pre;
  v.bos_id = static_cast<int32_t>(v.tokens.size()) - 3;  // <|begin_of_text|>
  v.eos_id = static_cast<int32_t>(v.tokens.size()) - 1;  // <|eot_id|>
  v.add_space_prefix = false;
  auto tok = Tokenizer::create(v);
  ASSERT_TRUE(tok) << tok.error().message;

  const auto ref = nlohmann::json::parse(quire::test::read_file(out_json));
  const auto plain = ref["plain"].get<std::vector<std::vector<int32_t>>>();
  const auto special = ref["special"].get<std::vector<std::vector<int32_t>>>();
  ASSERT_EQ(plain.size(), with_specials.size());
  ASSERT_EQ(special.size(), with_specials.size());
  size_t merged_tokens = 0;
  for (size_t i = 0; i < with_specials.size(); ++i) {
    const std::string& s = with_specials[i];
    const auto ids = (*tok)->encode(s, false, false);
    EXPECT_EQ(ids, plain[i]) << "string: '" << s << "'";
    EXPECT_EQ((*tok)->encode(s, false, true), special[i]) << "string: '" << s << "'";
    EXPECT_EQ((*tok)->decode(ids), s);
    for (int32_t id : ids) merged_tokens += id >= 256 ? 1 : 0;
  }
  EXPECT_GT(merged_tokens, 1000u) << "the strings should exercise learned merges";
  // Byte-level BPE keeps invalid UTF-8 byte for byte.
  const std::string bad = "h\xFF\xC3i \xF0\x9F";
  EXPECT_EQ((*tok)->decode((*tok)->encode(bad, false, false)), bad);
  // With BOS, the control token is first and adds no text.
  const auto with_bos = (*tok)->encode("In the beginning", true, false);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), v.bos_id);
  EXPECT_EQ((*tok)->decode(with_bos), "In the beginning");
}

INSTANTIATE_TEST_SUITE_P(PreTokenizers, BpeGolden, ::testing::Values("llama-bpe", "gpt2"),
                         [](const auto& param_info) {
                           return std::string(param_info.param) == "gpt2" ? "Gpt2" : "Llama3";
                         });

}  // namespace
}  // namespace quire::engine
