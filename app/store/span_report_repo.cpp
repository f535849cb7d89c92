#include "app/store/span_report_repo.h"

#include <nlohmann/json.hpp>

#include "app/store/database.h"

namespace quire::app {

Result<SpanReportRow> SpanReportRepo::put(int64_t message_id, std::string report_json) {
  if (!nlohmann::json::accept(report_json)) {
    return make_error(Errc::invalid_argument,
                      "the attention-span report of message {} is not valid JSON", message_id);
  }
  SpanReportRow r{0, message_id, std::move(report_json), unix_ms_now()};
  auto st = db_.prepare(
      "INSERT INTO span_reports (message_id, report, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (message_id) DO UPDATE SET report = excluded.report, "
      "created_at = excluded.created_at RETURNING id");
  if (!st) return st.error();
  auto row = st->bind(1, message_id).bind(2, r.report_json).bind(3, r.created_at).step();
  if (!row) {
    Error e = row.error();
    if (e.code == Errc::invalid_argument) {
      e.message = fmt::format("cannot store a span report for message {}: no such message",
                              message_id);
    }
    return e;
  }
  r.id = st->column_int64(0);
  if (auto ok = st->run(); !ok) return ok.error();
  return r;
}

Result<std::optional<SpanReportRow>> SpanReportRepo::find_for_message(int64_t message_id) {
  auto st = db_.prepare(
      "SELECT id, message_id, report, created_at FROM span_reports WHERE message_id = ?");
  if (!st) return st.error();
  auto row = st->bind(1, message_id).step();
  if (!row) return row.error();
  if (!*row) return std::optional<SpanReportRow>();
  return std::optional<SpanReportRow>(SpanReportRow{st->column_int64(0), st->column_int64(1),
                                                    std::string(st->column_text(2)),
                                                    st->column_int64(3)});
}

}  // namespace quire::app
