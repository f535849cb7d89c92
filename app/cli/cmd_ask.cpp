// `quire-cli ask --model M DOC... --question Q [--json]`: answers a question about documents
// (files or code folders) with citations, through the ask job (app/analysis/ask.h). The document
// prefix is prefilled once per (model, document, session config) and restored from its snapshot
// on every later question, in this run or after a restart.
//
// Output: the answer streams to stdout, then its citations ("[label] quoted text"); prefill
// progress (done/total, rate, ETA), notices and timings go to stderr. With --json stdout holds
// one JSON object, the contract in README ("quire-cli ask --json"). Ctrl-C stops (exit 130);
// a context too small for the documents under --overflow error exits 4 with the numbers.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/analysis/ask.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/cli/session_options.h"
#include "app/store/database.h"
#include "app/store/paths.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

struct AskArgs {
  SessionOptions session;
  std::vector<std::string> documents;
  std::string question;
  std::string system_prompt{kDefaultSystemPrompt};
  std::string overflow = "error";
  std::string password;
  int32_t max_tokens = 256;
  int citations = 3;
  bool json = false;
};

void print_progress(const ProgressUpdate& u, bool tty) {
  if (!tty && !u.finished) return;  // a log file gets the final line only
  fmt::print(stderr, "{}{}: {}/{} {}, {:.1f} {}/s, ETA {}{}", tty ? "\r" : "", u.stage, u.done,
             u.total, u.unit, u.rate_per_s, u.unit, format_duration(u.eta_s),
             u.finished ? "\n" : "   ");
  std::fflush(stderr);
}

void print_citations(const std::vector<Citation>& citations) {
  if (citations.empty()) return;
  fmt::print("\nCitations:\n");
  for (const Citation& c : citations) {
    fmt::print("[{}] {} ({:.1f}%)\n  \"{}\"\n", c.label, c.document_title, c.weight * 100.0,
               c.text);
  }
}

int run_ask(AskArgs& args) {
  std::stop_source stop;
  InterruptToStop interrupt(stop);  // before the session starts its worker threads
  AskRequest request;
  for (const std::string& d : args.documents) request.documents.emplace_back(d);
  request.question = args.question;
  request.system_prompt = args.system_prompt;
  request.max_tokens = args.max_tokens;
  request.max_citations = args.citations;
  request.extract.password = args.password;
  auto policy = parse_overflow_policy(args.overflow);
  if (!policy) return report_error(policy.error());
  request.overflow = *policy;

  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  auto session = load_session(args.session);
  if (!session) return report_error(session.error());

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  AskCallbacks callbacks;
  callbacks.progress = [tty](const ProgressUpdate& u) { print_progress(u, tty); };
  callbacks.on_notice = [](std::string_view text) {
    fmt::print(stderr, "quire-cli: note: {}\n", text);
  };
  if (!args.json) {
    callbacks.on_text = [](std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    };
  }
  auto result = ask(*db, paths->snapshots_dir(), **session, request, stop.get_token(), callbacks);
  if (!result) {
    if (!args.json) std::fputc('\n', stdout);
    return report_error(result.error());
  }
  if (args.json) {
    fmt::print("{}\n", ask_result_to_json(*result));
  } else {
    std::fputc('\n', stdout);
    print_citations(result->citations);
  }
  std::fflush(stdout);  // the summary below goes after the answer, also when both streams are one
  const double rate = result->decode_s > 0 ? double(result->answer_tokens) / result->decode_s : 0;
  fmt::print(stderr,
             "context: {} tokens ({}); prefilled {} tokens in {:.2f} s; answer: {} tokens, "
             "{:.1f} tokens/s; session {}\n",
             result->context_tokens,
             result->restored_from_snapshot ? "document restored from its snapshot"
                                            : "document prefilled and saved",
             result->prefill_tokens, result->prefill_s, result->answer_tokens, rate,
             result->session_id);
  return kExitOk;
}

}  // namespace

void add_ask_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<AskArgs>();
  CLI::App* cmd = root.add_subcommand(
      "ask", "Ask a question about documents (files or code folders), answered with citations");
  add_session_options(cmd, args->session, /*with_ctx=*/true);
  cmd->add_option("documents", args->documents, "Documents: files or code folders")->required();
  cmd->add_option("-Q,--question", args->question, "The question")->required();
  cmd->add_option("--system", args->system_prompt, "System prompt")->capture_default_str();
  cmd->add_option("--overflow", args->overflow,
                  "When the documents do not fit: error, head (keep the start) or ranked "
                  "(keep the segments matching the question)")
      ->check(CLI::IsMember({"error", "head", "ranked"}))
      ->capture_default_str();
  cmd->add_option("-n,--max-tokens", args->max_tokens, "Answer tokens at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--citations", args->citations, "Citations to show at most")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--password", args->password, "Password of an encrypted PDF");
  cmd->add_flag("--json", args->json, "Print one JSON object (README: the ask JSON contract)");
  engine::SamplerConfig& s = args->session.config.sampler;
  cmd->add_option("--temp", s.temperature, "Temperature (<= 0: greedy)")->capture_default_str();
  cmd->add_option("--seed", s.seed, "Sampling seed")->capture_default_str();
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_ask(*args); }; });
}

}  // namespace quire::app
