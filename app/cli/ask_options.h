// What `quire-cli ask`, `chat` and `batch` share: the answer options (--system, --overflow,
// --max-tokens, --citations, --password, --temp, --seed) registered on a CLI11 subcommand and
// copied into a request, the opening of the user's store and session, and the stderr/stdout
// printers for progress, notices and citations. One place, so that the three commands parse and
// print the same way.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/analysis/ask.h"
#include "app/cli/session_options.h"
#include "app/store/database.h"
#include "app/store/paths.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"

namespace quire::app {

struct AnswerOptions {
  std::string system_prompt{kDefaultSystemPrompt};
  std::string overflow = "error";  // error | head | ranked (checked by CLI11)
  std::string password;            // of encrypted PDFs
  int32_t max_tokens = 256;
  int citations = 3;
};

// The help texts that differ between the commands.
struct AnswerOptionsHelp {
  std::string_view overflow;
  std::string_view max_tokens;
  std::string_view citations;
  std::string_view password;
};

// Adds --system, --overflow, -n/--max-tokens, --citations and --password to `cmd`, bound to
// `options` (which must outlive the parse).
void add_answer_options(CLI::App* cmd, AnswerOptions& options, const AnswerOptionsHelp& help);

// Adds --temp and --seed to `cmd`, bound to `sampler`.
void add_sampling_options(CLI::App* cmd, engine::SamplerConfig& sampler);

// Copies the options into an AskRequest or ChatRequest (same field names). Errors: those of
// parse_overflow_policy.
template <class Request>
Result<void> apply_answer_options(const AnswerOptions& options, Request& request) {
  auto policy = parse_overflow_policy(options.overflow);
  if (!policy) return policy.error();
  request.system_prompt = options.system_prompt;
  request.max_tokens = options.max_tokens;
  request.max_citations = options.citations;
  request.extract.password = options.password;
  request.overflow = *policy;
  return {};
}

// The user's store and a loaded model session, what the answering commands run on.
struct AnswerContext {
  Paths paths;
  Database db;
  std::unique_ptr<engine::Session> session;
};

// Resolves the paths, opens the user database, loads the model session (in that order; the
// first error is returned).
Result<AnswerContext> open_answer_context(SessionOptions& session);

// Prints a prefill/ingest progress line on stderr: redrawn on a terminal (`tty`), only the
// final line otherwise (a log file).
void print_progress(const ProgressUpdate& update, bool tty);

// Prints "quire-cli: note: TEXT" on stderr.
void print_notice(std::string_view text);

// The callbacks of ask and chat: progress (print_progress, tty from stderr), notices and, when
// `stream_text`, the answer streamed to stdout as generated.
AskCallbacks make_ask_callbacks(bool stream_text);

// Prints each citation on stdout as `[label] title (weight%)` and its quoted text below.
void print_citation_lines(const std::vector<Citation>& citations);

}  // namespace quire::app
