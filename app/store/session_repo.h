// Sessions (a conversation about one document with one model and attention configuration) and
// their messages, with timings and citations. Citations are kept as the JSON array the answer
// pipeline produces; the store checks only that it is valid JSON.
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

struct SessionRow {
  int64_t id = 0;
  int64_t document_id = 0;
  std::string title;
  std::string model_fingerprint;
  std::string attention_config;
  int64_t created_at = 0;  // Unix ms
  int64_t updated_at = 0;  // Unix ms: the last message
};

struct MessageTimings {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double prefill_ms = 0.0;
  double decode_ms = 0.0;
};

struct MessageRow {
  int64_t id = 0;
  int64_t session_id = 0;
  int64_t ordinal = 0;        // 0, 1, 2 ... within the session
  std::string role;           // system | user | assistant
  std::string text;
  MessageTimings timings;
  std::string citations_json = "[]";
  int64_t created_at = 0;     // Unix ms
};

class SessionRepo {
 public:
  explicit SessionRepo(Database& db) : db_(db) {}

  // Errc::invalid_argument when document_id names no document.
  Result<SessionRow> create(int64_t document_id, std::string title, std::string model_fingerprint,
                            std::string attention_config);
  Result<std::optional<SessionRow>> find(int64_t id);
  // A document's sessions, most recently updated first.
  Result<std::vector<SessionRow>> list_for_document(int64_t document_id);
  // Deletes the session and its messages.
  Result<void> remove(int64_t id);

  // Appends a message (next ordinal) and bumps the session's updated_at, in one transaction.
  // Errc::invalid_argument for an unknown session, a bad role or citations that are not JSON.
  Result<MessageRow> append(int64_t session_id, std::string role, std::string text,
                            const MessageTimings& timings = {}, std::string citations_json = "[]");
  // Every message of a session, in order.
  Result<std::vector<MessageRow>> messages(int64_t session_id);

 private:
  Database& db_;
};

}  // namespace quire::app
