// Batch runs (one question asked of every document in a folder) and their per-document items.
//
// Threads: a repo borrows one thread's Database and lives no longer than it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace quire::app {

class Database;

struct BatchRunRow {
  int64_t id = 0;
  std::string name;
  std::string question;
  std::string model_fingerprint;
  std::string attention_config;
  std::string status;                  // running | done | failed | cancelled
  int64_t created_at = 0;              // Unix ms
  std::optional<int64_t> finished_at;  // Unix ms, once not running
};

struct BatchItemRow {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string path;
  std::optional<int64_t> document_id;  // once ingested; NULL again if the document is deleted
  std::string status;                  // pending | done | failed | skipped
  std::string answer;
  std::string error;                   // why it failed or was skipped
  double prefill_ms = 0.0;
  double decode_ms = 0.0;
};

class BatchRepo {
 public:
  explicit BatchRepo(Database& db) : db_(db) {}

  // Creates a running batch with one pending item per path, in one transaction.
  // Errc::invalid_argument for duplicate paths.
  Result<BatchRunRow> create_run(std::string name, std::string question,
                                 std::string model_fingerprint, std::string attention_config,
                                 const std::vector<std::string>& paths);
  // Records an item's outcome. status: done | failed | skipped.
  Result<void> finish_item(int64_t item_id, std::optional<int64_t> document_id,
                           std::string_view status, std::string_view answer,
                           std::string_view error, double prefill_ms, double decode_ms);
  // Ends a run. status: done | failed | cancelled.
  Result<void> finish_run(int64_t run_id, std::string_view status);

  Result<std::optional<BatchRunRow>> find_run(int64_t run_id);
  Result<std::vector<BatchRunRow>> list_runs();  // newest first
  Result<std::vector<BatchItemRow>> items(int64_t run_id);  // in creation order
  // Deletes a run and its items.
  Result<void> remove_run(int64_t run_id);

 private:
  Database& db_;
};

}  // namespace quire::app
