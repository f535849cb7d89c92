// The steps of answering questions about documents, shared by the one-shot ask job (ask.h) and
// multi-turn chat (chat.h):
//   open_documents   documents into the library (extracted, or reused unchanged);
//   load_prefix      the document prefix's KV state restored from its snapshot, or prefilled
//                    and saved as one (snapshots are a cache: problems are notices, not errors);
//   answer           generation with an AttentionRecorder: the answer text, its attention trace;
//   store_turn       citations and span report from the trace; the user and assistant messages
//                    and the report stored in one session.
//
// Threads: everything runs on the caller's thread, which owns the Database and the Session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "app/analysis/ask.h"
#include "app/analysis/span_report.h"
#include "app/store/library.h"

namespace quire::app {

// The answer limits of an ask or chat request. Errors: invalid_argument, naming the values, when
// max_tokens or attention_top_k is not positive or max_citations is negative.
Result<void> check_answer_limits(int32_t max_tokens, int max_citations, int attention_top_k);

// Library entries and the builder's view of them. `documents` points into `entries`, which is
// why the entries live behind a unique_ptr: moving OpenedDocuments keeps the pointers valid.
struct OpenedDocuments {
  std::unique_ptr<std::vector<LibraryEntry>> entries;
  std::vector<ContextDocument> documents;  // in the given order
};

// Errors: invalid_argument for no paths; those of add_to_library.
Result<OpenedDocuments> open_documents(Database& db,
                                       const std::vector<std::filesystem::path>& paths,
                                       std::stop_token stop, const ExtractOptions& extract,
                                       const ProgressSink& progress);

// The context request for `documents` with the session's model (its chat template) and n_ctx.
// Under OverflowPolicy::ranked the ranking for `question` is looked up in the store.
Result<ContextRequest> make_context_request(Database& db, const engine::Session& session,
                                            const std::vector<ContextDocument>& documents,
                                            const std::string& system_prompt,
                                            const std::string& question, OverflowPolicy overflow,
                                            int32_t max_tokens);

// The chat template family of the session's model (GGUF tokenizer.chat_template).
engine::ChatTemplateKind chat_template_of(const engine::Model& model);

struct PrefixLoad {
  bool restored = false;       // from the snapshot store; false: prefilled (and saved)
  int64_t prefilled = 0;       // prefix tokens prefilled: 0 when restored
  double restore_s = 0.0;      // snapshot read and load
  double prefill_s = 0.0;
};

// Clears `session` and puts `prefix` into it: restored from the snapshot keyed by (model
// fingerprint, config fingerprint, prefix_hash, kv type) when one is usable, otherwise
// prefilled with progress, its document prefill ended (hybrid mode: the snapshot is saved
// without the tensorized state, which nothing after the document needs) and saved. Callers
// still end the document prefill after a restore (a no-op for snapshots saved so).
// Errors: the store's open errors; the prefill's (cancelled: nothing is saved).
Result<PrefixLoad> load_prefix(Database& db, const std::filesystem::path& snapshots_dir,
                               engine::Session& session, const std::vector<int32_t>& prefix,
                               const std::string& prefix_hash, std::stop_token stop,
                               const AskCallbacks& callbacks);

struct AnswerRun {
  std::string text;
  int64_t n_tokens = 0;
  double decode_s = 0.0;
  std::string stop_reason;  // engine::stop_reason_name, or "stopped" (see answer())
  AttentionTrace trace;
};

// Generates up to max_tokens after the session's tokens, streaming text to on_text, and records
// what each answer token attended to (attention_top_k positions per layer).
// `cancel` aborts (Errc::cancelled, nothing is kept); `finish` ends the answer where it is, which
// then reports stop_reason "stopped" (chat: Ctrl-C during an answer keeps the turn).
Result<AnswerRun> answer(engine::Session& session, int32_t max_tokens, int attention_top_k,
                         std::stop_token cancel, std::stop_token finish,
                         const AskCallbacks& callbacks);

struct TurnRecord {
  int64_t session_id = 0;        // 0: create the session (title = the question's start)
  std::string question;
  int64_t question_tokens = 0;   // the user message's prompt_tokens
  int64_t prefill_tokens = 0;    // the assistant message's prompt_tokens
  double prefill_s = 0.0;
  int max_citations = 3;
  const std::vector<SegmentRef>* prefix_segments = nullptr;  // BuiltContext::prefix_segments
  std::vector<ContextDocument> documents;
};

// Computes the span report and citations of `run`, stores the two messages (creating the session
// when record.session_id is 0) and the report, and fills `result`'s session, message, report,
// citations, answer, answer_tokens, decode_s and stop_reason. The stored report's JSON carries
// the run's stop_reason as an extra "stop_reason" field (the messages table has no column for
// it): how `sessions show` and exports tell a stopped answer from a finished one.
Result<void> store_turn(Database& db, const engine::Session& session, const TurnRecord& record,
                        const AnswerRun& run, AskResult& result);

}  // namespace quire::app
