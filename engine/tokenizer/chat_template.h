// Chat templates: the prompt text for a conversation, in the format the model was tuned on.
// GGUF files carry a Jinja template (tokenizer.chat_template); Quire does not run Jinja, it
// recognises the family from the template text and renders that family's format itself:
//   llama2   "<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s>..."
//   llama3   "<|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>"
//   mistral  "<s>[INST] {user} [/INST]{assistant}</s>..."
//   chatml   "<|im_start|>{role}\n{content}<|im_end|>\n"
//   plain    "System: ...\n\nUser: ...\n\nAssistant: ..." for models without a known template.
// The rendered text contains the BOS token's text where the published template puts it, so it
// must be encoded with Tokenizer::encode(text, add_special = false, parse_special = true).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quire::engine {

enum class ChatTemplateKind { plain, llama2, llama3, mistral, chatml };

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;
};

// The family of a GGUF chat template: "<|start_header_id|>" -> llama3, "<|im_start|>" -> chatml,
// "[INST]" with "<<SYS>>" -> llama2, "[INST]" alone -> mistral; anything else (including an empty
// template) -> plain.
ChatTemplateKind detect_chat_template(std::string_view template_text);

// "plain", "llama2", "llama3", "mistral", "chatml".
std::string_view chat_template_name(ChatTemplateKind kind);

// The prompt for `messages`. add_generation_prompt: end with the header that makes the model
// answer as the assistant (llama3, chatml, plain; Llama 2 and Mistral prompts already end in
// "[/INST]"). Notes per family, matching the published templates:
//  - llama2: the first message may be "system"; it goes inside the first [INST] block. Contents
//    are stripped of surrounding whitespace, as the template's .strip() does.
//  - llama3: contents are trimmed, as the template's |trim does.
//  - mistral: has no system role; a system message is put before the first user message,
//    separated by "\n\n" (what Mistral's later templates do).
std::string render(ChatTemplateKind kind, const std::vector<ChatMessage>& messages,
                   bool add_generation_prompt);

// The template text around a LATER user turn, for continuing a conversation in place: once an
// assistant answer's tokens are in a session, appending before + QUESTION + after makes the
// session hold what render() gives for the whole history plus the question, with the generation
// prompt (the answer's own text as the template renders it, e.g. Llama 2's " ANSWER",
// is what the model wrote after the previous generation prompt).
//   llama2   before " </s><s>[INST] "                       after " [/INST]"
//   llama3   before "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
//            after  "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
//   mistral  before "</s>[INST] "                           after " [/INST]"
//   chatml   before "<|im_end|>\n<|im_start|>user\n"       after "<|im_end|>\n<|im_start|>assistant\n"
//   plain    before "\n\nUser: "                            after "\n\nAssistant:"
// The question goes between them as the user wrote it, stripped of surrounding whitespace
// (llama2 and llama3 strip it in render() too). Encode before/after with parse_special = true
// and the question with parse_special = false.
struct NextTurnText {
  std::string before;  // closes the previous assistant turn, opens the user turn
  std::string after;   // closes the user turn, opens the assistant's answer
};
NextTurnText next_user_turn(ChatTemplateKind kind);

}  // namespace quire::engine
