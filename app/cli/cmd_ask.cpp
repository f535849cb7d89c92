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

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/analysis/ask.h"
#include "app/cli/ask_options.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"

namespace quire::app {
namespace {

struct AskArgs {
  SessionOptions session;
  std::vector<std::string> documents;
  std::string question;
  AnswerOptions answer;
  bool json = false;
};

void print_citations(const std::vector<Citation>& citations) {
  if (citations.empty()) return;
  fmt::print("\nCitations:\n");
  print_citation_lines(citations);
}

int run_ask(AskArgs& args) {
  std::stop_source stop;
  InterruptToStop interrupt(stop);  // before the session starts its worker threads
  AskRequest request;
  for (const std::string& d : args.documents) request.documents.emplace_back(d);
  request.question = args.question;
  if (auto applied = apply_answer_options(args.answer, request); !applied) {
    return report_error(applied.error());
  }

  auto context = open_answer_context(args.session);
  if (!context) return report_error(context.error());
  const AskCallbacks callbacks = make_ask_callbacks(/*stream_text=*/!args.json);
  auto result = ask(context->db, context->paths.snapshots_dir(), *context->session, request,
                    stop.get_token(), callbacks);
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
  add_answer_options(cmd, args->answer,
                     {.overflow = "When the documents do not fit: error, head (keep the start) or "
                                  "ranked (keep the segments matching the question)",
                      .max_tokens = "Answer tokens at most",
                      .citations = "Citations to show at most",
                      .password = "Password of an encrypted PDF"});
  cmd->add_flag("--json", args->json, "Print one JSON object (README: the ask JSON contract)");
  add_sampling_options(cmd, args->session.config.sampler);
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_ask(*args); }; });
}

}  // namespace quire::app
