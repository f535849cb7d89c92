// The batch job: every question of a questions file asked of every document of a folder, each
// answer stored in SQLite as soon as it is known, resumable after a kill or a Ctrl-C.
//
//   1. the folder is listed (document_files.h): every supported file is ONE document, in a
//      deterministic order; skipped paths are reported with their reason;
//   2. a run is created with one pending item per (document, question), document-major, or an
//      unfinished run is resumed: the one named by `resume_run`, else (unless `new_run`) the
//      newest run that is not done with the same folder, questions, answer options (system
//      prompt, answer length, overflow policy, citations), model fingerprint and session config
//      (engine::config_fingerprint: context, KV type, attention). A resumed run keeps the items it
//      was created with;
//   3. each pending item, in id order, is answered by app::ask on the ONE session given: the first
//      question of a document prefills its prefix and saves the snapshot, every later question
//      restores it and prefills only itself (ask.h). The outcome (answer, timings, token counts,
//      the stored answer's message id, or the error) is written at once: a crash loses at most
//      the item in flight, which stays pending;
//   4. a document that cannot be answered (missing, unreadable, binary, too large, does not fit
//      the context under the overflow policy) marks its items failed with the reason and the
//      batch goes on. Failed items are outcomes: a resume does not retry them.
//
// Ends: every item done or failed -> run "done". Cancelled (stop_token) -> run "cancelled", the
// item in flight stays pending, Errc::cancelled naming the run to resume. An error that is not
// the document's (disk full, out of memory, the store failing) -> run "failed", resumable too.
// A run killed outright stays "running"; it is resumable like the others.
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

#include "app/analysis/ask.h"
#include "app/documents/document.h"
#include "app/store/batch_repo.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/runtime/session.h"

namespace quire::app {

class Database;

// The questions of a questions file: one per line, trimmed; blank lines and lines starting with
// '#' are ignored. Errc::invalid_argument when none is left or a line is not UTF-8.
Result<std::vector<std::string>> parse_questions(std::string_view text);
// Reads and parses a questions file (at most 16 MiB). Errors: those of read_file_bytes and
// parse_questions, naming the file.
Result<std::vector<std::string>> read_questions_file(const std::filesystem::path& path);

struct BatchRequest {
  std::filesystem::path folder;         // or one file; ignored by an explicit resume when empty
  std::vector<std::string> questions;   // not empty; ignored by an explicit resume when empty
  std::optional<int64_t> resume_run;    // resume this run (it must match the folder, questions,
                                        // options and session when those are given)
  bool new_run = false;                 // never resume automatically
  std::string name;                     // the run's name; "" -> the folder's name
  // The answer options of every item: system_prompt, overflow, max_tokens, max_citations,
  // attention_top_k and extract. Its documents and question are ignored.
  AskRequest ask;
};

struct BatchCallbacks {
  ProgressSink progress;          // stage "batch", unit "items": this call's pending items
  ProgressSink document_progress;  // ingest and prefill progress of the item in flight
  // After each item's outcome is stored. `finished` counts the run's items with an outcome.
  std::function<void(const BatchItemRow& item, int64_t finished, int64_t total)> on_item;
  std::function<void(std::string_view)> on_notice;  // skipped files, resume, snapshot problems
};

struct BatchResult {
  BatchRunRow run;                 // as it ended ("done")
  bool resumed = false;
  int64_t total_items = 0;
  int64_t done_before = 0;         // items with an outcome when this call started
  int64_t answered = 0;            // items done by this call
  int64_t failed = 0;              // items failed by this call
  std::vector<Skipped> skipped_files;  // from the folder listing (empty on resume)
};

// Errors: invalid_argument (no questions, an empty folder, a resume id that does not exist or
// is done); mismatch (a resumed run made with another model, session config, folder, questions
// or options); not_found (the folder); cancelled (the run is left "cancelled"); the store's and
// the engine's errors that are not one document's (the run is left "failed"). Every error after
// the run exists names it, so that it can be resumed.
Result<BatchResult> run_batch(Database& db, const std::filesystem::path& snapshots_dir,
                              engine::Session& session, const BatchRequest& request,
                              std::stop_token stop, const BatchCallbacks& callbacks = {});

}  // namespace quire::app
