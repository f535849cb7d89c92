// Batch runs (every question of a questions file asked of every document of a folder) and their
// items, one per (document path, question), as migrations 001 and 002 define them.
//
// Items are created with the run, all pending, document-major (every question of the first
// document, then of the second ...), so a runner that takes them in id order asks all questions
// of one document in a row and its prefix snapshot is reused. An item's outcome is written in
// its own statement as soon as it is known: a crash loses at most the item in flight.
//
// Threads: a repo borrows one thread's Database and lives no longer than it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"

namespace quire::app {

class Database;

struct BatchRunRow {
  int64_t id = 0;
  std::string name;
  std::string question;                // the questions joined by '\n' (v1: the one question)
  std::string model_fingerprint;
  std::string attention_config;        // engine::config_fingerprint of the session
  std::string status;                  // running | done | failed | cancelled
  int64_t created_at = 0;              // Unix ms
  std::optional<int64_t> finished_at;  // Unix ms, once not running
  std::string folder;                  // absolute; "" for v1 runs
  std::string questions_hash;          // SHA-256 hex of the questions; "" for v1 runs
  std::string options_hash;            // SHA-256 hex of the answer options; "" for v1 runs
};

struct BatchQuestionRow {
  int64_t id = 0;
  int64_t run_id = 0;
  int64_t ordinal = 0;  // 0-based, in the order of the questions file
  std::string text;
};

struct BatchItemRow {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string path;
  int64_t question_id = 0;
  int64_t question_ordinal = 0;
  std::string question;                // the question's text
  std::optional<int64_t> document_id;  // once ingested; NULL again if the document is deleted
  std::string status;                  // pending | done | failed | skipped
  std::string answer;
  std::string error;                   // why it failed or was skipped
  double prefill_ms = 0.0;
  double decode_ms = 0.0;
  int64_t context_tokens = 0;
  int64_t prefix_tokens = 0;           // the question-independent part of context_tokens
  int64_t prefill_tokens = 0;          // prefilled by this item's ask (see 002_batch_questions)
  int64_t answer_tokens = 0;
  std::optional<int64_t> message_id;   // the stored answer (citations, span report)
  std::string citations_json = "[]";   // the answer message's citations; "[]" without one
  std::optional<int64_t> started_at;   // Unix ms
  std::optional<int64_t> finished_at;  // Unix ms
};

// A run to create. paths and questions are in run order; both not empty.
struct NewBatchRun {
  std::string name;
  std::string folder;
  std::vector<std::string> questions;
  std::string questions_hash;
  std::string options_hash;
  std::string model_fingerprint;
  std::string attention_config;
  std::vector<std::string> paths;
};

// What an item's answer (or failure) left. status: done | failed | skipped.
struct BatchItemOutcome {
  std::optional<int64_t> document_id;
  std::string status;
  std::string answer;
  std::string error;
  double prefill_ms = 0.0;
  double decode_ms = 0.0;
  int64_t context_tokens = 0;
  int64_t prefix_tokens = 0;
  int64_t prefill_tokens = 0;
  int64_t answer_tokens = 0;
  std::optional<int64_t> message_id;
  std::optional<int64_t> started_at;  // Unix ms
};

class BatchRepo {
 public:
  explicit BatchRepo(Database& db) : db_(db) {}

  // Creates a running batch with its questions and one pending item per (path, question),
  // document-major, in one transaction. Errc::invalid_argument for no paths, no questions or a
  // path listed twice.
  Result<BatchRunRow> create_run(const NewBatchRun& run);
  // One question asked of every path (the v1 shape, kept for the GUI and older callers).
  Result<BatchRunRow> create_run(std::string name, std::string question,
                                 std::string model_fingerprint, std::string attention_config,
                                 const std::vector<std::string>& paths);

  // Records an item's outcome (finished_at = now). Errc::invalid_argument for an unknown item or
  // a status other than done, failed or skipped.
  Result<void> finish_item(int64_t item_id, const BatchItemOutcome& outcome);
  Result<void> finish_item(int64_t item_id, std::optional<int64_t> document_id,
                           std::string_view status, std::string_view answer,
                           std::string_view error, double prefill_ms, double decode_ms);
  // Ends a run. status: done | failed | cancelled.
  Result<void> finish_run(int64_t run_id, std::string_view status);
  // Marks an unfinished run running again (finished_at cleared) to resume it.
  // Errc::invalid_argument for an unknown run or one that is done.
  Result<void> reopen_run(int64_t run_id);

  Result<std::optional<BatchRunRow>> find_run(int64_t run_id);
  // The newest run that is not done with exactly these identifying fields (batch.h: resume).
  Result<std::optional<BatchRunRow>> find_unfinished(std::string_view folder,
                                                     std::string_view questions_hash,
                                                     std::string_view options_hash,
                                                     std::string_view model_fingerprint,
                                                     std::string_view attention_config);
  Result<std::vector<BatchRunRow>> list_runs();  // newest first
  Result<std::vector<BatchQuestionRow>> questions(int64_t run_id);  // by ordinal
  Result<std::vector<BatchItemRow>> items(int64_t run_id);  // in creation order
  // Deletes a run, its questions and items.
  Result<void> remove_run(int64_t run_id);

 private:
  Database& db_;
};

}  // namespace quire::app
