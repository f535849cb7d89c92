// Multi-turn chat about documents: one stored session, one engine Session whose KV cache keeps
// the whole conversation.
//
//   turn 1   exactly the ask pipeline (ask_steps.h): the document prefix restored from its
//            snapshot or prefilled and saved, then the question suffix ("Question: Q" and the
//            template's generation prompt) and the answer;
//   turn k   the previous answer's tokens are already in the session; the template's text that
//            closes it and opens a user turn, the question, and the generation prompt
//            (engine::next_user_turn) are prefilled: only the new turn's tokens.
// Every turn stores its user and assistant messages in the same session row, with citations and
// a span report; the user message's prompt_tokens is the turn's own token count, the
// assistant's is what the turn prefilled.
//
// Resuming (resume()): the session's documents are re-opened, the prefix restored (or
// prefilled), and the stored turns prefilled again: questions as above, answers as their stored
// text re-encoded (not necessarily the token ids the model once sampled; the text is the same).
// What that prefilled is counted in the next turn's prefill_tokens.
//
// Never silent truncation: a turn that would leave less than max_tokens free in the context is
// Errc::context_overflow naming the numbers, before anything is prefilled; the chat stays usable
// for a shorter question.
//
// Threads: the caller's thread owns the Database, the engine Session and this object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "app/analysis/ask.h"
#include "app/analysis/ask_steps.h"

namespace quire::app {

struct ChatRequest {
  // Files or code folders. A new chat needs at least one; resume() may leave it empty to
  // re-open the session's stored document (sessions record only the first document).
  std::vector<std::filesystem::path> documents;
  std::string system_prompt{kDefaultSystemPrompt};
  OverflowPolicy overflow = OverflowPolicy::error;  // for the prefix; ranked uses question 1
  int32_t max_tokens = 256;   // per answer, and the free context each turn must leave; > 0
  int max_citations = 3;      // >= 0
  int attention_top_k = 64;   // > 0
  ExtractOptions extract;
};

class ChatSession {
 public:
  // A new chat: the documents are added to the library (errors as ask's), nothing is prefilled
  // until the first turn. `db` and `session` are borrowed for this object's life.
  static Result<std::unique_ptr<ChatSession>> start(Database& db,
                                                    std::filesystem::path snapshots_dir,
                                                    engine::Session& session,
                                                    ChatRequest request, std::stop_token stop,
                                                    const AskCallbacks& callbacks = {});

  // Continues stored session `session_id`. Errors: not_found (no such session, or its document
  // is gone from the store); mismatch (the session was made with another model or attention
  // configuration: the message names both; or request.documents does not start with the
  // session's document); context_overflow (the stored conversation does not fit n_ctx);
  // cancelled; the store's and the engine's errors.
  static Result<std::unique_ptr<ChatSession>> resume(Database& db,
                                                     std::filesystem::path snapshots_dir,
                                                     engine::Session& session, int64_t session_id,
                                                     ChatRequest request, std::stop_token stop,
                                                     const AskCallbacks& callbacks = {});

  // Answers `question` (surrounding whitespace stripped; empty: invalid_argument). `stop`
  // during prefill: Errc::cancelled, nothing is stored, and the chat cannot continue (its
  // context is partial; resume the stored session instead). `stop` during the answer: the
  // answer ends where it is and the turn is stored with stop_reason "stopped".
  // AskResult: prefix/suffix tokens are those of turn 1 (suffix: this turn's tokens later);
  // context_tokens is the session's length after this turn's prompt; restored_from_snapshot
  // tells how this chat's document prefix was loaded (by turn 1 or by resume()).
  Result<AskResult> turn(const std::string& question, std::stop_token stop,
                         const AskCallbacks& callbacks = {});

  int64_t session_id() const { return session_id_; }  // 0 until the first turn is stored
  int turns() const { return turns_; }                 // answered turns, stored ones included

  ChatSession(const ChatSession&) = delete;
  ChatSession& operator=(const ChatSession&) = delete;

 private:
  ChatSession(Database& db, std::filesystem::path snapshots_dir, engine::Session& session,
              ChatRequest request, OpenedDocuments opened);
  // Turn 1's context for `question`, prefix loaded and suffix tokens ready in built_.
  Result<void> load_context(const std::string& question, std::stop_token stop,
                            const AskCallbacks& callbacks);
  // The tokens of a later user turn (template text, question, generation prompt).
  std::vector<int32_t> later_turn_tokens(const std::string& question) const;
  Result<void> check_fits(int64_t new_tokens, int turn) const;

  Database& db_;
  std::filesystem::path snapshots_dir_;
  engine::Session& session_;
  ChatRequest request_;
  OpenedDocuments opened_;
  BuiltContext built_;          // turn 1's context; its prefix_segments map every turn's trace
  int64_t session_id_ = 0;
  int turns_ = 0;
  bool broken_ = false;         // a cancelled prefill left the context partial
  // Resume work not yet reported: counted into the next turn's AskResult.
  int64_t pending_prefill_tokens_ = 0;
  double pending_prefill_s_ = 0.0;
  double pending_restore_s_ = 0.0;
  bool restored_ = false;
};

}  // namespace quire::app
