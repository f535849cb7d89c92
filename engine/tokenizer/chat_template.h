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

}  // namespace quire::engine
