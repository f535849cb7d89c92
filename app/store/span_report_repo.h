// Attention-span reports, one per answer (message), stored as the JSON the analysis module writes.
//
// Threads: a repo borrows one thread's Database and lives no longer than it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/base/result.h"

namespace quire::app {

class Database;

struct SpanReportRow {
  int64_t id = 0;
  int64_t message_id = 0;
  std::string report_json;
  int64_t created_at = 0;  // Unix ms
};

class SpanReportRepo {
 public:
  explicit SpanReportRepo(Database& db) : db_(db) {}

  // Stores (or replaces) the report of a message. Errc::invalid_argument when the JSON is not
  // valid or the message does not exist.
  Result<SpanReportRow> put(int64_t message_id, std::string report_json);
  Result<std::optional<SpanReportRow>> find_for_message(int64_t message_id);

 private:
  Database& db_;
};

}  // namespace quire::app
