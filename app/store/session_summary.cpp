#include "app/store/session_summary.h"

#include <fmt/format.h>

#include "app/store/database.h"

namespace quire::app {

Result<std::vector<SessionSummary>> list_session_summaries(Database& db,
                                                           std::optional<int64_t> document_id) {
  auto st = db.prepare(fmt::format(
      "SELECT s.id, s.document_id, s.title, s.model_fingerprint, s.attention_config, "
      "s.created_at, s.updated_at, d.title, d.path, "
      "(SELECT count(*) FROM messages m WHERE m.session_id = s.id) "
      "FROM sessions s JOIN documents d ON d.id = s.document_id {} "
      "ORDER BY s.updated_at DESC, s.id DESC",
      document_id ? "WHERE s.document_id = ?" : ""));
  if (!st) return st.error();
  if (document_id) st->bind(1, *document_id);
  std::vector<SessionSummary> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    SessionSummary s;
    s.session.id = st->column_int64(0);
    s.session.document_id = st->column_int64(1);
    s.session.title = st->column_text(2);
    s.session.model_fingerprint = st->column_text(3);
    s.session.attention_config = st->column_text(4);
    s.session.created_at = st->column_int64(5);
    s.session.updated_at = st->column_int64(6);
    s.document_title = st->column_text(7);
    s.document_path = st->column_text(8);
    s.messages = st->column_int64(9);
    out.push_back(std::move(s));
  }
}

Result<std::optional<MessageOwner>> find_message_owner(Database& db, int64_t message_id) {
  auto st = db.prepare(
      "SELECT m.session_id, s.document_id, m.role FROM messages m "
      "JOIN sessions s ON s.id = m.session_id WHERE m.id = ?");
  if (!st) return st.error();
  auto row = st->bind(1, message_id).step();
  if (!row) return row.error();
  if (!*row) return std::optional<MessageOwner>();
  return std::optional<MessageOwner>(
      MessageOwner{st->column_int64(0), st->column_int64(1), std::string(st->column_text(2))});
}

}  // namespace quire::app
