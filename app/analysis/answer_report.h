// One answer's attention-span report on its own (`quire-cli report MESSAGE`), where session
// exports (export.h) show every answer of a session.
//   json      the stored report: quire.span_report/1 (span_report.h), plus "stop_reason" when
//             the answer was stored by the ask or chat steps (ask_steps.h);
//   markdown  the question, the answer and span_report_to_markdown;
//   html      a self-contained page (inline styles and SVG, no scripts): question, answer and
//             span_report_html_section (heatmap, distance histogram, top passages).
//
// Threads: the loader borrows the caller's Database; the renderer is pure.
#pragma once

#include <cstdint>
#include <string>

#include "app/analysis/export.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

struct AnswerReport {
  int64_t message_id = 0;
  int64_t session_id = 0;
  std::string question;  // the user message before the answer ("" when there is none)
  std::string answer;
  std::string document_title, document_path, document_kind;
  int document_pages = 0;
  std::string report_json;  // as stored
};

// Errors: not_found (no such message, or it has no report: only answers have one; the message
// says which); the store's errors.
Result<AnswerReport> load_answer_report(Database& db, int64_t message_id);

// Errors: invalid_argument for csv (a report is not a table); corrupt_data when the stored
// report does not parse.
Result<std::string> render_answer_report(const AnswerReport& report, ExportFormat format);

}  // namespace quire::app
