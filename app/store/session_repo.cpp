#include "app/store/session_repo.h"

#include <nlohmann/json.hpp>

#include "app/store/database.h"

namespace quire::app {
namespace {

constexpr std::string_view kSessionColumns =
    "id, document_id, title, model_fingerprint, attention_config, created_at, updated_at";

SessionRow read_session(const Statement& st) {
  SessionRow s;
  s.id = st.column_int64(0);
  s.document_id = st.column_int64(1);
  s.title = st.column_text(2);
  s.model_fingerprint = st.column_text(3);
  s.attention_config = st.column_text(4);
  s.created_at = st.column_int64(5);
  s.updated_at = st.column_int64(6);
  return s;
}

}  // namespace

Result<SessionRow> SessionRepo::create(int64_t document_id, std::string title,
                                       std::string model_fingerprint,
                                       std::string attention_config) {
  SessionRow s{0, document_id, std::move(title), std::move(model_fingerprint),
               std::move(attention_config), unix_ms_now(), 0};
  s.updated_at = s.created_at;
  auto st = db_.prepare(
      "INSERT INTO sessions (document_id, title, model_fingerprint, attention_config, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, document_id).bind(2, s.title).bind(3, s.model_fingerprint);
  st->bind(4, s.attention_config).bind(5, s.created_at).bind(6, s.updated_at);
  if (auto ok = st->run(); !ok) {
    Error e = ok.error();
    if (e.code == Errc::invalid_argument) {
      e.message = fmt::format("cannot start a session on document {}: it is not in the store "
                              "(`quire-cli docs` lists them)", document_id);
    }
    return e;
  }
  s.id = db_.last_insert_rowid();
  return s;
}

Result<std::optional<SessionRow>> SessionRepo::find(int64_t id) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM sessions WHERE id = ?", kSessionColumns));
  if (!st) return st.error();
  auto row = st->bind(1, id).step();
  if (!row) return row.error();
  if (!*row) return std::optional<SessionRow>();
  return std::optional<SessionRow>(read_session(*st));
}

Result<std::vector<SessionRow>> SessionRepo::list_for_document(int64_t document_id) {
  auto st = db_.prepare(fmt::format(
      "SELECT {} FROM sessions WHERE document_id = ? ORDER BY updated_at DESC, id DESC",
      kSessionColumns));
  if (!st) return st.error();
  st->bind(1, document_id);
  std::vector<SessionRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_session(*st));
  }
}

Result<void> SessionRepo::remove(int64_t id) {
  auto st = db_.prepare("DELETE FROM sessions WHERE id = ?");
  if (!st) return st.error();
  return st->bind(1, id).run();
}

Result<MessageRow> SessionRepo::append(int64_t session_id, std::string role, std::string text,
                                       const MessageTimings& timings,
                                       std::string citations_json) {
  if (role != "system" && role != "user" && role != "assistant") {
    return make_error(Errc::invalid_argument,
                      "message role \"{}\" is not one of system, user, assistant", role);
  }
  if (!nlohmann::json::accept(citations_json)) {
    return make_error(Errc::invalid_argument,
                      "the citations of a message in session {} are not valid JSON", session_id);
  }
  MessageRow m;
  m.session_id = session_id;
  m.role = std::move(role);
  m.text = std::move(text);
  m.timings = timings;
  m.citations_json = std::move(citations_json);
  m.created_at = unix_ms_now();

  auto tx = db_.begin();
  if (!tx) return tx.error();
  auto touch = db_.prepare("UPDATE sessions SET updated_at = ? WHERE id = ?");
  if (!touch) return touch.error();
  if (auto ok = touch->bind(1, m.created_at).bind(2, session_id).run(); !ok) return ok.error();
  if (db_.changes() == 0) {
    return make_error(Errc::invalid_argument, "no session {} to add a message to", session_id);
  }
  auto next = db_.prepare("SELECT coalesce(max(ordinal) + 1, 0) FROM messages WHERE session_id = ?");
  if (!next) return next.error();
  if (auto row = next->bind(1, session_id).step(); !row) return row.error();
  m.ordinal = next->column_int64(0);
  auto ins = db_.prepare(
      "INSERT INTO messages (session_id, ordinal, role, text, prompt_tokens, completion_tokens, "
      "prefill_ms, decode_ms, citations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return ins.error();
  ins->bind(1, session_id).bind(2, m.ordinal).bind(3, m.role).bind(4, m.text);
  ins->bind(5, timings.prompt_tokens).bind(6, timings.completion_tokens);
  ins->bind(7, timings.prefill_ms).bind(8, timings.decode_ms).bind(9, m.citations_json);
  if (auto ok = ins->bind(10, m.created_at).run(); !ok) return ok.error();
  m.id = db_.last_insert_rowid();
  if (auto ok = tx->commit(); !ok) return ok.error();
  return m;
}

Result<std::vector<MessageRow>> SessionRepo::messages(int64_t session_id) {
  auto st = db_.prepare(
      "SELECT id, session_id, ordinal, role, text, prompt_tokens, completion_tokens, prefill_ms, "
      "decode_ms, citations, created_at FROM messages WHERE session_id = ? ORDER BY ordinal");
  if (!st) return st.error();
  st->bind(1, session_id);
  std::vector<MessageRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    MessageRow m;
    m.id = st->column_int64(0);
    m.session_id = st->column_int64(1);
    m.ordinal = st->column_int64(2);
    m.role = st->column_text(3);
    m.text = st->column_text(4);
    m.timings = {st->column_int64(5), st->column_int64(6), st->column_double(7),
                 st->column_double(8)};
    m.citations_json = st->column_text(9);
    m.created_at = st->column_int64(10);
    out.push_back(std::move(m));
  }
}

}  // namespace quire::app
