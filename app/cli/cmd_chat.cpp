// `quire-cli chat --model M DOC... [--session ID] [--json]`: a conversation about documents
// (analysis/chat.h). Questions come from standard input, one per line: on a terminal a REPL with
// a "> " prompt, from a pipe a script; empty lines are skipped, end of input ends the chat.
//
// Output: each answer streams to stdout, then its citations; prefill progress, notices, a
// per-turn summary and the session id (to continue with --session) go to stderr. With --json
// stdout holds one compact JSON object per line and turn: the `ask --json` fields plus "turn".
// Ctrl-C during an answer ends that answer (stored, stop_reason "stopped") and the chat goes on;
// during a prefill it cancels the chat (exit 130; the turns answered so far stay stored).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/analysis/chat.h"
#include "app/cli/ask_options.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"

namespace quire::app {
namespace {

struct ChatArgs {
  SessionOptions session;
  std::vector<std::string> documents;
  std::optional<int64_t> resume;
  AnswerOptions answer;
  bool json = false;
};

void print_turn(const AskResult& r, int turn, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::parse(ask_result_to_json(r));
    out["turn"] = turn;
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}\n", r.stop_reason == "stopped" ? " [stopped]" : "");
    if (!r.citations.empty()) fmt::print("Citations:\n");
    print_citation_lines(r.citations);
  }
  std::fflush(stdout);  // the summary below goes after the answer, also when both streams are one
  fmt::print(stderr, "turn {}: prefilled {} tokens in {:.2f} s ({}); answer: {} tokens ({}); "
             "context {} tokens; session {}\n",
             turn, r.prefill_tokens, r.prefill_s,
             turn == 1 || r.prefill_tokens > r.suffix_tokens
                 ? (r.restored_from_snapshot ? "document restored from its snapshot"
                                             : "document prefilled")
                 : "this turn only",
             r.answer_tokens, r.stop_reason, r.context_tokens, r.session_id);
}

int run_chat(ChatArgs& args) {
  if (args.documents.empty() && !args.resume) {
    return report_error(make_error(Errc::invalid_argument,
                                   "chat needs documents, or --session ID to continue a stored "
                                   "session"));
  }
  ChatRequest request;
  for (const std::string& d : args.documents) request.documents.emplace_back(d);
  if (auto applied = apply_answer_options(args.answer, request); !applied) {
    return report_error(applied.error());
  }

  auto context = open_answer_context(args.session);
  if (!context) return report_error(context.error());
  const bool tty_in = ::isatty(STDIN_FILENO) != 0;
  const AskCallbacks callbacks = make_ask_callbacks(/*stream_text=*/!args.json);

  Result<std::unique_ptr<ChatSession>> chat = [&] {
    std::stop_source stop;
    InterruptToStop interrupt(stop);
    const std::filesystem::path snapshots = context->paths.snapshots_dir();
    return args.resume ? ChatSession::resume(context->db, snapshots, *context->session,
                                             *args.resume, request, stop.get_token(), callbacks)
                       : ChatSession::start(context->db, snapshots, *context->session, request,
                                            stop.get_token(), callbacks);
  }();
  if (!chat) return report_error(chat.error());
  ChatSession& c = **chat;
  if (args.resume) {
    fmt::print(stderr, "continuing session {} after {} turns\n", c.session_id(), c.turns());
  }

  std::string line;
  for (;;) {
    if (tty_in) {
      fmt::print("> ");
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::stop_source stop;  // one per turn: a Ctrl-C ends this turn's answer only
    Result<AskResult> result = [&] {
      InterruptToStop interrupt(stop);
      return c.turn(line, stop.get_token(), callbacks);
    }();
    if (!result) {
      if (!args.json) std::fputc('\n', stdout);
      std::fflush(stdout);
      if (c.session_id() != 0) {
        fmt::print(stderr, "session {} keeps the {} turns answered; continue with --session {}\n",
                   c.session_id(), c.turns(), c.session_id());
      }
      return report_error(result.error());
    }
    print_turn(*result, c.turns(), args.json);
  }
  if (tty_in) fmt::print("\n");
  std::fflush(stdout);
  if (c.session_id() != 0) {
    fmt::print(stderr, "session {}: {} turns; continue with --session {}\n", c.session_id(),
               c.turns(), c.session_id());
  }
  return kExitOk;
}

}  // namespace

void add_chat_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<ChatArgs>();
  CLI::App* cmd = root.add_subcommand(
      "chat", "Talk about documents: questions from standard input, one per line");
  add_session_options(cmd, args->session, /*with_ctx=*/true);
  cmd->add_option("documents", args->documents,
                  "Documents: files or code folders (with --session: the session's own by "
                  "default)");
  cmd->add_option("--session", args->resume, "Continue the stored session ID");
  add_answer_options(cmd, args->answer,
                     {.overflow = "When the documents do not fit: error, head (keep the start) or "
                                  "ranked (keep the segments matching the first question)",
                      .max_tokens = "Answer tokens at most, per turn",
                      .citations = "Citations to show at most",
                      .password = "Password of an encrypted PDF"});
  cmd->add_flag("--json", args->json,
                "One JSON object per line and turn (the ask --json fields and \"turn\")");
  add_sampling_options(cmd, args->session.config.sampler);
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_chat(*args); }; });
}

}  // namespace quire::app
