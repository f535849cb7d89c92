#include "engine/tokenizer/chat_template.h"

namespace quire::engine {
namespace {

// Python's str.strip() / Jinja's trim for the ASCII whitespace that occurs in chat text.
std::string_view strip(std::string_view s) {
  constexpr std::string_view kWs = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(kWs);
  return s.substr(b, e - b + 1);
}

std::string render_llama2(const std::vector<ChatMessage>& msgs) {
  std::string out;
  size_t first = 0;
  std::string system;
  bool has_system = false;
  if (!msgs.empty() && msgs[0].role == "system") {
    system = msgs[0].content;
    has_system = true;
    first = 1;
  }
  for (size_t i = first; i < msgs.size(); ++i) {
    const ChatMessage& m = msgs[i];
    std::string content = m.content;
    if (i == first && has_system) {
      content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content;
    }
    if (m.role == "user") {
      out += "<s>[INST] ";
      out += strip(content);
      out += " [/INST]";
    } else if (m.role == "assistant") {
      out += " ";
      out += strip(content);
      out += " </s>";
    }
  }
  return out;
}

std::string render_llama3(const std::vector<ChatMessage>& msgs, bool gen) {
  std::string out = "<|begin_of_text|>";
  for (const ChatMessage& m : msgs) {
    out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n";
    out += strip(m.content);
    out += "<|eot_id|>";
  }
  if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string render_mistral(const std::vector<ChatMessage>& msgs) {
  std::string out = "<s>";
  std::string system;
  for (const ChatMessage& m : msgs) {
    if (m.role == "system") {
      system += system.empty() ? m.content : "\n\n" + m.content;
    } else if (m.role == "user") {
      out += "[INST] ";
      if (!system.empty()) {
        out += system + "\n\n";
        system.clear();
      }
      out += m.content + " [/INST]";
    } else if (m.role == "assistant") {
      out += m.content + "</s>";
    }
  }
  return out;
}

std::string render_chatml(const std::vector<ChatMessage>& msgs, bool gen) {
  std::string out;
  for (const ChatMessage& m : msgs) {
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  }
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_plain(const std::vector<ChatMessage>& msgs, bool gen) {
  std::string out;
  for (const ChatMessage& m : msgs) {
    std::string role = m.role;
    if (!role.empty() && role[0] >= 'a' && role[0] <= 'z') role[0] = static_cast<char>(role[0] - 32);
    out += role + ": " + m.content + "\n\n";
  }
  if (gen) out += "Assistant:";
  return out;
}

}  // namespace

ChatTemplateKind detect_chat_template(std::string_view t) {
  if (t.find("<|start_header_id|>") != std::string_view::npos) return ChatTemplateKind::llama3;
  if (t.find("<|im_start|>") != std::string_view::npos) return ChatTemplateKind::chatml;
  if (t.find("[INST]") != std::string_view::npos) {
    return t.find("<<SYS>>") != std::string_view::npos ? ChatTemplateKind::llama2
                                                       : ChatTemplateKind::mistral;
  }
  return ChatTemplateKind::plain;
}

std::string_view chat_template_name(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::plain: return "plain";
    case ChatTemplateKind::llama2: return "llama2";
    case ChatTemplateKind::llama3: return "llama3";
    case ChatTemplateKind::mistral: return "mistral";
    case ChatTemplateKind::chatml: return "chatml";
  }
  return "plain";
}

NextTurnText next_user_turn(ChatTemplateKind kind) {
  // Rendered around placeholders and cut there, so the pieces are exactly render()'s text.
  // Control bytes never occur in a template, and the placeholders have no whitespace to strip.
  constexpr std::string_view kAnswer = "\x01A\x01";
  constexpr std::string_view kQuestion = "\x01Q\x01";
  const std::string text =
      render(kind,
             {{"user", "\x01U\x01"}, {"assistant", std::string(kAnswer)},
              {"user", std::string(kQuestion)}},
             /*add_generation_prompt=*/true);
  const size_t a = text.find(kAnswer) + kAnswer.size();
  const size_t q = text.find(kQuestion);
  return {text.substr(a, q - a), text.substr(q + kQuestion.size())};
}

std::string render(ChatTemplateKind kind, const std::vector<ChatMessage>& messages,
                   bool add_generation_prompt) {
  switch (kind) {
    case ChatTemplateKind::llama2: return render_llama2(messages);
    case ChatTemplateKind::llama3: return render_llama3(messages, add_generation_prompt);
    case ChatTemplateKind::mistral: return render_mistral(messages);
    case ChatTemplateKind::chatml: return render_chatml(messages, add_generation_prompt);
    case ChatTemplateKind::plain: break;
  }
  return render_plain(messages, add_generation_prompt);
}

}  // namespace quire::engine
