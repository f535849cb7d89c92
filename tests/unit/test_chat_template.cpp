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

}  // namespace
}  // namespace quire::engine
