#include "app/analysis/answer_report.h"

#include <fmt/format.h>

#include "app/analysis/report_style.h"
#include "app/analysis/span_report.h"
#include "app/analysis/span_svg.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_summary.h"
#include "app/store/span_report_repo.h"

namespace quire::app {

Result<AnswerReport> load_answer_report(Database& db, int64_t message_id) {
  auto owner = find_message_owner(db, message_id);
  if (!owner) return owner.error();
  if (!*owner) {
    return make_error(Errc::not_found,
                      "there is no message {}; `quire-cli sessions show SESSION` lists a "
                      "session's messages with their ids",
                      message_id);
  }
  auto stored = SpanReportRepo(db).find_for_message(message_id);
  if (!stored) return stored.error();
  if (!*stored) {
    return make_error(Errc::not_found,
                      "message {} has no attention-span report: only answers have one{}",
                      message_id, (*owner)->role == "user" ? " (this is a question)" : "");
  }
  AnswerReport out;
  out.message_id = message_id;
  out.session_id = (*owner)->session_id;
  out.report_json = (*stored)->report_json;
  auto messages = SessionRepo(db).messages(out.session_id);
  if (!messages) return messages.error();
  for (size_t i = 0; i < messages->size(); ++i) {
    if ((*messages)[i].id != message_id) continue;
    out.answer = (*messages)[i].text;
    if (i > 0 && (*messages)[i - 1].role == "user") out.question = (*messages)[i - 1].text;
  }
  auto doc = DocumentRepo(db).load((*owner)->document_id);
  if (!doc) return doc.error();
  out.document_title = doc->title;
  out.document_path = doc->path;
  out.document_kind = doc->kind;
  out.document_pages = doc->pages;
  return out;
}

Result<std::string> render_answer_report(const AnswerReport& a, ExportFormat format) {
  if (format == ExportFormat::csv) {
    return make_error(Errc::invalid_argument,
                      "a report is html, json or md; csv is for session and batch exports");
  }
  if (format == ExportFormat::json) return a.report_json;
  auto report = span_report_from_json(a.report_json);
  if (!report) {
    return make_error(report.error().code, "the report of message {}: {}", a.message_id,
                      report.error().message);
  }
  if (format == ExportFormat::markdown) {
    return fmt::format(
        "# Attention-span report: message {}\n\nSession {}. Document: {} ({})\n\n## Question\n\n"
        "{}\n\n## Answer\n\n{}\n\n{}",
        a.message_id, a.session_id, a.document_title, a.document_path, a.question, a.answer,
        span_report_to_markdown(*report));
  }
  const std::string title = fmt::format("Attention-span report: message {}", a.message_id);
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title>"
      "<style>{1}</style></head><body>\n<h1>{0}</h1>\n<p class=\"meta\">Session {2}. Document: "
      "{3} ({4})</p>\n<div class=\"msg user\">{5}</div>\n<div class=\"msg assistant\">{6}</div>\n"
      "{7}</body></html>\n",
      xml_escape(title), kReportStyle, a.session_id, xml_escape(a.document_title),
      xml_escape(a.document_path), xml_escape(a.question), xml_escape(a.answer),
      span_report_html_section(*report, a.document_kind == "pdf" ? a.document_pages : 0));
}

}  // namespace quire::app
