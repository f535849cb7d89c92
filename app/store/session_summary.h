// Stored sessions as lists for people and scripts (`quire-cli sessions`): each session with its
// document and message count, and the session a message belongs to. Read-only queries over the
// tables SessionRepo and DocumentRepo write.
//
// Threads: borrows one thread's Database for the call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/store/session_repo.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

struct SessionSummary {
  SessionRow session;
  std::string document_title;
  std::string document_path;
  int64_t messages = 0;
};

// Every session, or only those of `document_id` (> 0), most recently updated first.
Result<std::vector<SessionSummary>> list_session_summaries(Database& db,
                                                           std::optional<int64_t> document_id);

// The session and the document of message `message_id`; nullopt when there is no such message.
struct MessageOwner {
  int64_t session_id = 0;
  int64_t document_id = 0;
  std::string role;
};
Result<std::optional<MessageOwner>> find_message_owner(Database& db, int64_t message_id);

}  // namespace quire::app
