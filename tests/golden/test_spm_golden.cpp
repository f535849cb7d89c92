// SentencePiece golden: a BPE SentencePiece model is trained with spm_train on Genesis, turned into
// a GGUF-style Vocab through the sentencepiece API (pieces, scores, types: what a GGUF converter
// stores), and Quire's Tokenizer must give the ids spm_encode gives from the original .model
// file. Strings with line breaks (which spm_encode's line-based input cannot carry) are checked
// against SentencePieceProcessor loaded from the same .model file instead.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <sstream>

#include "engine/tokenizer/tokenizer.h"
#include "tests/golden/golden_env.h"
#include "tests/golden/tokenizer_strings.h"

namespace quire::engine {
namespace {

using quire::test::shell_quote;

Vocab vocab_from_model(const sentencepiece::SentencePieceProcessor& sp) {
  Vocab v;
  v.kind = Vocab::Kind::spm;
  for (int i = 0; i < sp.GetPieceSize(); ++i) {
    v.tokens.push_back(sp.IdToPiece(i));
    v.scores.push_back(sp.GetScore(i));
    TokenType t = TokenType::normal;
    if (sp.IsUnknown(i)) t = TokenType::unknown;
    else if (sp.IsControl(i)) t = TokenType::control;
    else if (sp.IsByte(i)) t = TokenType::byte;
    else if (sp.IsUnused(i)) t = TokenType::unused;
    v.types.push_back(static_cast<int32_t>(t));
  }
  v.bos_id = sp.bos_id();
  v.eos_id = sp.eos_id();
  v.unk_id = sp.unk_id();
  v.pad_id = sp.pad_id();
  return v;
}

std::vector<std::vector<int32_t>> parse_id_lines(const std::string& text) {
  std::vector<std::vector<int32_t>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ids(line);
    std::vector<int32_t> row;
    int32_t id;
    while (ids >> id) row.push_back(id);
    out.push_back(std::move(row));
  }
  return out;
}

// Parameter: whether the model adds the dummy "▁" prefix (Llama, Mistral: yes; some others no).
class SpmGolden : public ::testing::TestWithParam<bool> {};

TEST_P(SpmGolden, MatchesSpmEncodeOnHundredsOfStrings) {
  const bool dummy_prefix = GetParam();
  for (const char* tool : {"spm_train", "spm_encode", "bible"}) {
    if (!quire::test::have_program(tool)) GTEST_SKIP() << tool << " is not installed";
  }
  quire::test::ScratchDir dir;
  const auto corpus = dir.path() / "genesis.txt";
  ASSERT_TRUE(quire::test::write_corpus(corpus));
  const auto prefix = (dir.path() / "m").string();
  // The settings of Llama's tokenizer.model: BPE, no normalization, byte fallback, split digits.
  ASSERT_EQ(quire::test::run_shell(
                "spm_train --input=" + shell_quote(corpus.string()) + " --model_prefix=" +
                shell_quote(prefix) +
                " --vocab_size=800 --model_type=bpe --byte_fallback=true"
                " --normalization_rule_name=identity --add_dummy_prefix=" +
                std::string(dummy_prefix ? "true" : "false") +
                " --remove_extra_whitespaces=false --allow_whitespace_only_pieces=true"
                " --split_digits=true --character_coverage=1.0 --num_threads=1"
                " --minloglevel=2 >/dev/null 2>&1"),
            0);
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load(prefix + ".model").ok());
  Vocab vocab = vocab_from_model(sp);
  vocab.add_space_prefix = dummy_prefix;  // tokenizer.ggml.add_space_prefix
  auto tok = Tokenizer::create(vocab);
  ASSERT_TRUE(tok) << tok.error().message;

  const auto strings = quire::test::tokenizer_test_strings();
  ASSERT_GE(strings.size(), 400u);
  std::vector<std::string> one_line;
  std::string input;
  for (const auto& s : strings) {
    if (s.find_first_of("\r\n") != std::string::npos) continue;
    one_line.push_back(s);
    input += s + "\n";
  }
  quire::test::write_file(dir.path() / "in.txt", input);
  ASSERT_EQ(quire::test::run_shell("spm_encode --model=" + shell_quote(prefix + ".model") +
                                   " --output_format=id < " +
                                   shell_quote((dir.path() / "in.txt").string()) + " > " +
                                   shell_quote((dir.path() / "out.txt").string())),
            0);
  const auto expected = parse_id_lines(quire::test::read_file(dir.path() / "out.txt"));
  ASSERT_EQ(expected.size(), one_line.size());

  size_t compared = 0, byte_fallbacks = 0;
  for (size_t i = 0; i < one_line.size(); ++i) {
    const auto ids = (*tok)->encode(one_line[i], false, false);
    EXPECT_EQ(ids, expected[i]) << "string: '" << one_line[i] << "'";
    for (int32_t id : ids) byte_fallbacks += sp.IsByte(id) ? 1 : 0;
    ++compared;
  }
  size_t multiline = 0;
  for (const auto& s : strings) {
    if (s.find_first_of("\r\n") == std::string::npos) continue;
    std::vector<int> ref;
    ASSERT_TRUE(sp.Encode(s, &ref).ok());
    EXPECT_EQ((*tok)->encode(s, false, false), std::vector<int32_t>(ref.begin(), ref.end()))
        << "string: '" << s << "'";
    ++multiline;
  }
  EXPECT_GE(compared, 350u);
  EXPECT_GE(multiline, 20u);
  EXPECT_GT(byte_fallbacks, 100u) << "the strings should exercise <0xNN> byte fallback";

  // SentencePiece reads a literal "▁" (U+2581) in the text as a space, so such text cannot round
  // trip (llama.cpp behaves the same); every other string must.
  size_t round_trips = 0;
  for (const auto& s : strings) {
    if (s.find("\xE2\x96\x81") != std::string::npos) continue;
    EXPECT_EQ((*tok)->decode((*tok)->encode(s, true, false)), s);
    ++round_trips;
  }
  EXPECT_GE(round_trips, 400u);
}

INSTANTIATE_TEST_SUITE_P(DummyPrefix, SpmGolden, ::testing::Bool(),
                         [](const auto& param_info) {
                           return param_info.param ? "On" : "Off";
                         });

}  // namespace
}  // namespace quire::engine
