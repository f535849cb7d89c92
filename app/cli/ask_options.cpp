#include "app/cli/ask_options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "app/store/user_database.h"

namespace quire::app {

void add_answer_options(CLI::App* cmd, AnswerOptions& options, const AnswerOptionsHelp& help) {
  cmd->add_option("--system", options.system_prompt, "System prompt")->capture_default_str();
  cmd->add_option("--overflow", options.overflow, std::string(help.overflow))
      ->check(CLI::IsMember({"error", "head", "ranked"}))
      ->capture_default_str();
  cmd->add_option("-n,--max-tokens", options.max_tokens, std::string(help.max_tokens))
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--citations", options.citations, std::string(help.citations))
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--password", options.password, std::string(help.password));
}

void add_sampling_options(CLI::App* cmd, engine::SamplerConfig& sampler) {
  cmd->add_option("--temp", sampler.temperature, "Temperature (<= 0: greedy)")
      ->capture_default_str();
  cmd->add_option("--seed", sampler.seed, "Sampling seed")->capture_default_str();
}

Result<AnswerContext> open_answer_context(SessionOptions& session) {
  auto paths = resolve_paths();
  if (!paths) return paths.error();
  auto db = open_user_database(*paths);
  if (!db) return db.error();
  auto loaded = load_session(session);
  if (!loaded) return loaded.error();
  return AnswerContext{std::move(*paths), std::move(*db), std::move(*loaded)};
}

void print_progress(const ProgressUpdate& u, bool tty) {
  if (!tty && !u.finished) return;  // a log file gets the final line only
  fmt::print(stderr, "{}{}: {}/{} {}, {:.1f} {}/s, ETA {}{}", tty ? "\r" : "", u.stage, u.done,
             u.total, u.unit, u.rate_per_s, u.unit, format_duration(u.eta_s),
             u.finished ? "\n" : "   ");
  std::fflush(stderr);
}

void print_notice(std::string_view text) { fmt::print(stderr, "quire-cli: note: {}\n", text); }

AskCallbacks make_ask_callbacks(bool stream_text) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  AskCallbacks callbacks;
  callbacks.progress = [tty](const ProgressUpdate& u) { print_progress(u, tty); };
  callbacks.on_notice = print_notice;
  if (stream_text) {
    callbacks.on_text = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
  }
  return callbacks;
}

void print_citation_lines(const std::vector<Citation>& citations) {
  for (const Citation& c : citations) {
    fmt::print("[{}] {} ({:.1f}%)\n  \"{}\"\n", c.label, c.document_title, c.weight * 100.0,
               c.text);
  }
}

}  // namespace quire::app
