// `quire-cli generate --model M --prompt P [--chat] [sampling options]`: continues a prompt and
// streams the text to stdout as it is generated (whole UTF-8 characters only). With --chat the
// prompt is a user message rendered with the model's chat template. Timings go to stderr, so
// stdout holds only the generated text. Ctrl-C stops the generation (exit code 130).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/cli/session_options.h"
#include "engine/runtime/generate.h"
#include "engine/tokenizer/chat_template.h"

namespace quire::app {
namespace {

struct GenerateArgs {
  SessionOptions session;
  std::string prompt;
  bool chat = false;
  int32_t max_tokens = 256;
};

std::vector<int32_t> prompt_tokens(const engine::Model& model, const GenerateArgs& args) {
  const engine::Tokenizer& tok = model.tokenizer();
  if (!args.chat) return tok.encode(args.prompt, /*add_special=*/true, /*parse_special=*/true);
  auto template_text = model.file().get_string("tokenizer.chat_template");
  const auto kind = engine::detect_chat_template(template_text ? *template_text : "");
  const std::string text = engine::render(kind, {{"user", args.prompt}}, true);
  return tok.encode(text, /*add_special=*/false, /*parse_special=*/true);
}

int run_generate(GenerateArgs& args) {
  std::stop_source stop;
  InterruptToStop interrupt(stop);  // before the session starts its worker threads
  auto session = load_session(args.session);
  if (!session) return report_error(session.error());

  engine::GenerateRequest request;
  request.prompt = prompt_tokens((*session)->model(), args);
  request.max_tokens = args.max_tokens;
  const auto sink = [](int32_t, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  auto stats = engine::generate(**session, request, stop.get_token(), sink);
  std::fputc('\n', stdout);
  if (!stats) return report_error(stats.error());
  const auto rate = [](int64_t n, double s) { return s > 0 ? double(n) / s : 0.0; };
  fmt::print(stderr,
             "prompt: {} tokens in {:.2f} s ({:.1f} tokens/s); generated: {} tokens in {:.2f} s "
             "({:.1f} tokens/s); stopped: {}\n",
             stats->n_prompt, stats->prefill_s, rate(stats->n_prompt, stats->prefill_s),
             stats->n_generated, stats->decode_s, rate(stats->n_generated, stats->decode_s),
             engine::stop_reason_name(stats->reason));
  return kExitOk;
}

}  // namespace

void add_generate_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = root.add_subcommand("generate", "Continue a prompt with a model, streaming");
  add_session_options(cmd, args->session, /*with_ctx=*/true);
  cmd->add_option("-p,--prompt", args->prompt, "Prompt text")->required();
  cmd->add_flag("--chat", args->chat, "Treat the prompt as a user message in the chat template");
  cmd->add_option("-n,--max-tokens", args->max_tokens, "Tokens to generate at most")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  engine::SamplerConfig& s = args->session.config.sampler;
  cmd->add_option("--temp", s.temperature, "Temperature (<= 0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", s.top_k, "Top-k (<= 0: off)")->capture_default_str();
  cmd->add_option("--top-p", s.top_p, "Top-p (1: off)")->capture_default_str();
  cmd->add_option("--min-p", s.min_p, "Min-p (0: off)")->capture_default_str();
  cmd->add_option("--repeat-penalty", s.repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Sampling seed")->capture_default_str();
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_generate(*args); }; });
}

}  // namespace quire::app
