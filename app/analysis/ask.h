// The ask job: a question about one or more documents, answered by a local model with citations.
//
//   1. each document is added to the library (add_to_library: extracted, or reused unchanged);
//   2. the context is built (context_builder.h): a question-independent PREFIX (chat template
//      head, system prompt, documents) and the question SUFFIX;
//   3. the prefix's KV state is looked up in the SnapshotStore under (model fingerprint, session
//      config fingerprint, prefix hash, kv type). Found and loadable: the session restores it and
//      nothing of the prefix is prefilled. Otherwise (none, damaged, refused) the prefix is
//      prefilled with progress and saved as a new snapshot;
//   4. the suffix is prefilled, the answer generated (streamed to on_text) while an
//      AttentionRecorder records what each answer token attended to;
//   5. citations (citations.h) and a span report (span_report.h) are computed from that record;
//      a session row, the user and assistant messages (timings, citations JSON) and the span
//      report are stored.
//
// Snapshots are a cache: a snapshot that cannot be used is logged and replaced, never an error.
// A snapshot that cannot be SAVED (disk full) is logged too: the answer matters more.
//
// Threads: runs on the caller's thread, which owns the Database and the Session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "app/analysis/citations.h"
#include "app/context/context_builder.h"
#include "app/documents/extract.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/runtime/session.h"

namespace quire::app {

class Database;

inline constexpr std::string_view kDefaultSystemPrompt =
    "You are Quire, a careful reader. Answer the question using only the documents below. Cite "
    "the places you rely on by their labels in brackets, such as [p. 12] or [src/main.cpp:10-40].";

struct AskRequest {
  std::vector<std::filesystem::path> documents;  // files or code folders; at least one
  std::string question;                          // not empty
  std::string system_prompt{kDefaultSystemPrompt};
  OverflowPolicy overflow = OverflowPolicy::error;
  int32_t max_tokens = 256;    // answer tokens at most (also the context's answer reserve); > 0
  int max_citations = 3;       // >= 0
  int attention_top_k = 64;    // positions kept per layer and answer token; > 0
  ExtractOptions extract;
};

struct AskCallbacks {
  ProgressSink progress;                          // ingest and prefill progress
  std::function<void(std::string_view)> on_text;  // answer text as generated (whole UTF-8)
  std::function<void(std::string_view)> on_notice;  // overflow notice, snapshot problems
};

struct AskResult {
  std::string answer;
  std::vector<Citation> citations;
  int64_t session_id = 0;
  int64_t user_message_id = 0;
  int64_t message_id = 0;        // the assistant message (the answer)
  int64_t span_report_id = 0;
  int64_t context_tokens = 0;    // prompt tokens: prefix + suffix
  int64_t prefix_tokens = 0;
  int64_t suffix_tokens = 0;
  int64_t prefill_tokens = 0;    // tokens this call prefilled: suffix, plus prefix unless restored
  int64_t answer_tokens = 0;
  bool restored_from_snapshot = false;
  std::optional<OverflowNotice> overflow;
  double prefill_s = 0.0;        // prefix (when not restored) and suffix prefill
  double restore_s = 0.0;        // snapshot read and load
  double decode_s = 0.0;
  std::string stop_reason;       // engine::stop_reason_name
};

// Runs the job on `session`, whose previous tokens are discarded; its config (n_ctx, kv_type,
// sampler) is the job's. Snapshot files go to `snapshots_dir` (Paths::snapshots_dir()).
// Errors: invalid_argument (no documents, an empty question, bad limits); those of
// add_to_library (not_found, corrupt_data, unsupported ...); context_overflow from
// build_context (policy error and the documents do not fit; the message gives the numbers);
// cancelled (Ctrl-C: a prefix prefill that was stopped saves nothing); the engine's and the
// store's errors.
Result<AskResult> ask(Database& db, const std::filesystem::path& snapshots_dir,
                      engine::Session& session, const AskRequest& request,
                      std::stop_token stop, const AskCallbacks& callbacks = {});

// The `quire-cli ask --json` object (README, "quire-cli ask --json").
std::string ask_result_to_json(const AskResult& result);

}  // namespace quire::app
