// Chat templates: expected strings written by hand from the published Jinja templates
// (Llama-2-chat, Meta-Llama-3-Instruct, Mistral-7B-Instruct-v0.1, ChatML as used by Qwen/SmolLM).
#include <gtest/gtest.h>

#include "engine/tokenizer/chat_template.h"

namespace quire::engine {
namespace {

const std::vector<ChatMessage> kSystemUser = {{"system", "You are terse."}, {"user", "Hello"}};
const std::vector<ChatMessage> kDialog = {
    {"user", "Hello"}, {"assistant", "Hi there."}, {"user", "Bye?"}};

TEST(ChatTemplate, DetectsFamilies) {
  EXPECT_EQ(detect_chat_template(
                "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
                "'<|end_header_id|>\n\n' }}{% endfor %}"),
            ChatTemplateKind::llama3);
  EXPECT_EQ(detect_chat_template("{% for message in messages %}{{'<|im_start|>' + message['role']"
                                 " + '\n' + message['content'] + '<|im_end|>' + '\n'}}"),
            ChatTemplateKind::chatml);
  EXPECT_EQ(detect_chat_template("{% set content = '<<SYS>>\\n' + system_message %}"
                                 "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"),
            ChatTemplateKind::llama2);
  EXPECT_EQ(detect_chat_template("{{ bos_token }}{% for message in messages %}"
                                 "{{ '[INST] ' + message['content'] + ' [/INST]' }}"),
            ChatTemplateKind::mistral);
  EXPECT_EQ(detect_chat_template(""), ChatTemplateKind::plain);
  EXPECT_EQ(detect_chat_template("{{ messages }}"), ChatTemplateKind::plain);
  EXPECT_EQ(chat_template_name(ChatTemplateKind::chatml), "chatml");
}

TEST(ChatTemplate, Llama2) {
  std::vector<ChatMessage> m = kSystemUser;
  m.push_back({"assistant", " Hi there. "});
  m.push_back({"user", "Bye?"});
  EXPECT_EQ(render(ChatTemplateKind::llama2, m, true),
            "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello [/INST] Hi there. </s>"
            "<s>[INST] Bye? [/INST]");
  EXPECT_EQ(render(ChatTemplateKind::llama2, kDialog, true),
            "<s>[INST] Hello [/INST] Hi there. </s><s>[INST] Bye? [/INST]");
}

TEST(ChatTemplate, Llama3) {
  EXPECT_EQ(render(ChatTemplateKind::llama3, kSystemUser, true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse."
            "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render(ChatTemplateKind::llama3, {{"user", "  Hello\n"}}, false),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>");
}

TEST(ChatTemplate, Mistral) {
  EXPECT_EQ(render(ChatTemplateKind::mistral, kDialog, true),
            "<s>[INST] Hello [/INST]Hi there.</s>[INST] Bye? [/INST]");
  EXPECT_EQ(render(ChatTemplateKind::mistral, kSystemUser, true),
            "<s>[INST] You are terse.\n\nHello [/INST]");
}

TEST(ChatTemplate, ChatMl) {
  EXPECT_EQ(render(ChatTemplateKind::chatml, kSystemUser, true),
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(render(ChatTemplateKind::chatml, kDialog, false),
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there.<|im_end|>\n"
            "<|im_start|>user\nBye?<|im_end|>\n");
}

TEST(ChatTemplate, PlainFallback) {
  EXPECT_EQ(render(ChatTemplateKind::plain, kSystemUser, true),
            "System: You are terse.\n\nUser: Hello\n\nAssistant:");
}

// A three-turn history with a system prompt, written out by hand from each published template.
const std::vector<ChatMessage> kThreeTurns = {
    {"system", "Be brief."}, {"user", "Q1"}, {"assistant", "A1"}, {"user", "Q2"},
    {"assistant", "A2"},     {"user", "Q3"}};

TEST(ChatTemplate, MultiTurnHistories) {
  EXPECT_EQ(render(ChatTemplateKind::llama2, kThreeTurns, true),
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST] A2 "
            "</s><s>[INST] Q3 [/INST]");
  EXPECT_EQ(render(ChatTemplateKind::llama3, kThreeTurns, true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nQ1<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nQ2<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nA2<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nQ3<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render(ChatTemplateKind::mistral, kThreeTurns, true),
            "<s>[INST] Be brief.\n\nQ1 [/INST]A1</s>[INST] Q2 [/INST]A2</s>[INST] Q3 [/INST]");
  EXPECT_EQ(render(ChatTemplateKind::chatml, kThreeTurns, true),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n"
            "<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n"
            "<|im_start|>assistant\nA2<|im_end|>\n<|im_start|>user\nQ3<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(render(ChatTemplateKind::plain, kThreeTurns, true),
            "System: Be brief.\n\nUser: Q1\n\nAssistant: A1\n\nUser: Q2\n\nAssistant: A2\n\n"
            "User: Q3\n\nAssistant:");
}

TEST(ChatTemplate, NextUserTurnPieces) {
  const auto expect = [](ChatTemplateKind kind, std::string_view before, std::string_view after) {
    const NextTurnText t = next_user_turn(kind);
    EXPECT_EQ(t.before, before) << chat_template_name(kind);
    EXPECT_EQ(t.after, after) << chat_template_name(kind);
  };
  expect(ChatTemplateKind::llama2, " </s><s>[INST] ", " [/INST]");
  expect(ChatTemplateKind::llama3, "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n",
         "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  expect(ChatTemplateKind::mistral, "</s>[INST] ", " [/INST]");
  expect(ChatTemplateKind::chatml, "<|im_end|>\n<|im_start|>user\n",
         "<|im_end|>\n<|im_start|>assistant\n");
  expect(ChatTemplateKind::plain, "\n\nUser: ", "\n\nAssistant:");
}

// Continuing in place reproduces the whole history's rendering: the first prompt, the answer as
// the template writes it, then before + question + after for every later turn.
TEST(ChatTemplate, ContinuationEqualsWholeRendering) {
  struct Case {
    ChatTemplateKind kind;
    std::string a1, a2;  // the answers as the template renders them after the prompt
  };
  for (const Case& c : {Case{ChatTemplateKind::llama2, " A1", " A2"},
                        Case{ChatTemplateKind::llama3, "A1", "A2"},
                        Case{ChatTemplateKind::mistral, "A1", "A2"},
                        Case{ChatTemplateKind::chatml, "A1", "A2"},
                        Case{ChatTemplateKind::plain, " A1", " A2"}}) {
    const NextTurnText t = next_user_turn(c.kind);
    const std::string first = render(c.kind, {kThreeTurns[0], kThreeTurns[1]}, true);
    EXPECT_EQ(first + c.a1 + t.before + "Q2" + t.after + c.a2 + t.before + "Q3" + t.after,
              render(c.kind, kThreeTurns, true))
        << chat_template_name(c.kind);
  }
}

}  // namespace
}  // namespace quire::engine
