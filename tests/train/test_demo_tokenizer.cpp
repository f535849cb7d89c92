// The demo model's tokenizer and chat format, as the engine sees them: the training scripts
// export a tiny model (demo_tokenizer_fixture.py); Quire reads its tokenizer.ggml.* keys, detects
// its chat template, renders each training example's messages and encodes them, and must get
// exactly the ids the training pipeline trained on (tokenizer.py, sentencepiece's own encoder).
// A difference means the model would see at inference a token sequence it was never trained on.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "engine/gguf/gguf.h"
#include "engine/tokenizer/chat_template.h"
#include "engine/tokenizer/tokenizer.h"
#include "tests/golden/golden_env.h"

namespace quire::engine {
namespace {

using quire::test::ScratchDir;

// The tokenizer.ggml.* keys export_gguf.py writes, as a Vocab; a missing or mistyped key fails
// the test with the reader's message.
Vocab vocab_of(const gguf::File& f) {
  auto need = [](auto r) {
    EXPECT_TRUE(r) << (r ? std::string() : r.error().message);
    return r ? std::move(r).value() : decltype(std::move(r).value()){};
  };
  Vocab v;
  v.kind = Vocab::Kind::spm;
  EXPECT_EQ(need(f.get_string("tokenizer.ggml.model")), "llama");
  v.tokens = need(f.get_strings("tokenizer.ggml.tokens"));
  v.scores = need(f.get_floats("tokenizer.ggml.scores"));
  const std::vector<int64_t> types = need(f.get_ints("tokenizer.ggml.token_type"));
  for (int64_t t : types) v.types.push_back(static_cast<int32_t>(t));
  v.bos_id = static_cast<int32_t>(need(f.get_uint("tokenizer.ggml.bos_token_id")));
  v.eos_id = static_cast<int32_t>(need(f.get_uint("tokenizer.ggml.eos_token_id")));
  v.unk_id = static_cast<int32_t>(need(f.get_uint("tokenizer.ggml.unknown_token_id")));
  v.add_bos = need(f.get_bool("tokenizer.ggml.add_bos_token"));
  v.add_eos = need(f.get_bool("tokenizer.ggml.add_eos_token"));
  v.add_space_prefix = need(f.get_bool("tokenizer.ggml.add_space_prefix"));
  v.chat_template = need(f.get_string("tokenizer.chat_template"));
  return v;
}

TEST(DemoTokenizer, EngineEncodesChatExamplesAsTraining) {
  ScratchDir dir;
  const std::string cmd = "/usr/bin/python3 " + quire::test::shell_quote(QUIRE_TRAIN_FIXTURE) +
                          " " + quire::test::shell_quote(dir.path().string()) + " >/dev/null";
  ASSERT_EQ(quire::test::run_shell(cmd), 0) << cmd;

  auto file = gguf::File::open(dir.path() / "demo.gguf");
  ASSERT_TRUE(file) << file.error().message;
  const auto variant = file->get_string("quire.attention.tensorized.variant");
  ASSERT_TRUE(variant) << variant.error().message;
  EXPECT_EQ(*variant, "complete");
  const Vocab vocab = vocab_of(*file);
  const auto valid = validate(vocab);
  ASSERT_TRUE(valid) << valid.error().message;
  auto tok = Tokenizer::create(vocab);
  ASSERT_TRUE(tok) << tok.error().message;
  const ChatTemplateKind kind = detect_chat_template(vocab.chat_template);
  ASSERT_EQ(kind, ChatTemplateKind::chatml);

  const auto cases = nlohmann::json::parse(quire::test::read_file(dir.path() / "cases.json"));
  ASSERT_GE(cases.size(), 20u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    std::vector<ChatMessage> messages;
    for (const auto& m : c["messages"]) messages.push_back({m[0], m[1]});
    // Training text = the whole conversation; generation = the same without the answer.
    const std::string text = render(kind, messages, false);
    const std::vector<int32_t> want = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ((*tok)->encode(text, true, true), want) << "case " << i;

    messages.pop_back();
    const std::vector<int32_t> prompt = (*tok)->encode(render(kind, messages, true), true, true);
    const auto trained = c["trained"].get<std::vector<int>>();
    const auto first_trained = static_cast<size_t>(
        std::find(trained.begin(), trained.end(), 1) - trained.begin());
    ASSERT_LE(prompt.size(), want.size()) << "case " << i;
    EXPECT_EQ(prompt.size(), first_trained) << "case " << i << ": the answer starts elsewhere";
    EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), want.begin())) << "case " << i;
    const auto last_trained = static_cast<size_t>(
        trained.rend() - std::find(trained.rbegin(), trained.rend(), 1) - 1);
    ASSERT_LT(last_trained, want.size()) << "case " << i;
    EXPECT_EQ(want[last_trained], (*tok)->eos()) << "case " << i << ": the answer ends otherwise";
  }
}

}  // namespace
}  // namespace quire::engine
