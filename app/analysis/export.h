// Exports of a session (its messages with citations and attention-span reports) or of a batch run
// (every question of the run over every document) as Markdown, self-contained HTML, JSON, JSON
// Lines or CSV.
//
// HTML needs nothing outside the file: styles are inline, pictures are inline SVG, there is no
// JavaScript. Each answer with a span report gets a heatmap of attention over the document (a
// strip of one cell per page for PDFs, one bar per file for code, one bar per chapter or segment
// otherwise; darker = more attention) and the distance histogram.
// JSON: {"schema": "quire.session_export/1", "session", "document", "messages": [{...,
//        "citations": <the stored array>, "span_report": <quire.span_report/1> | null}]}
//       {"schema": "quire.batch_export/1", "run": {..., "questions": [...]}, "items": [...]}
// JSONL: one JSON object per line, per message (as in "messages") or per batch item: path,
//        question, question_index, status, answer, citations (the stored array), error,
//        document_id, message_id, context_tokens, prefix_tokens, prefill_tokens, answer_tokens,
//        timings {prefill_ms, decode_ms, started_at, finished_at (Unix ms or null)}.
// CSV (RFC 4180: CRLF line ends, every field quoted, quotes doubled), one row per message or item:
//   session: ordinal,role,text,prompt_tokens,completion_tokens,prefill_ms,decode_ms,citations,
//            span_p50,span_p90
//   batch:   path,status,answer,error,document_id,prefill_ms,decode_ms,question,question_index,
//            context_tokens,prefix_tokens,prefill_tokens,answer_tokens,message_id,citations
// Markdown of a batch: a section per document, a subsection per question (status, answer or
// error, citation labels).
//
// Threads: loaders borrow the caller's Database; the renderers are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/store/batch_repo.h"
#include "app/store/session_repo.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;
struct SpanReport;

enum class ExportFormat { markdown, html, json, jsonl, csv };

// "md" | "markdown" | "html" | "json" | "jsonl" | "csv"; Errc::invalid_argument otherwise.
Result<ExportFormat> parse_export_format(std::string_view name);
std::string_view export_extension(ExportFormat format);  // "md", "html", "json", "jsonl", "csv"

struct ExportMessage {
  MessageRow message;
  std::optional<std::string> span_report_json;  // quire.span_report/1, when one was stored
};

struct SessionExport {
  SessionRow session;
  std::string document_title, document_path, document_kind;
  int document_pages = 0;
  std::vector<ExportMessage> messages;
};

struct BatchExport {
  BatchRunRow run;
  std::vector<BatchQuestionRow> questions;
  std::vector<BatchItemRow> items;
};

// Errc::not_found for an unknown id; the store's errors otherwise.
Result<SessionExport> load_session_export(Database& db, int64_t session_id);
Result<BatchExport> load_batch_export(Database& db, int64_t run_id);

// Errc::corrupt_data when a stored span report does not parse (span_report_from_json).
Result<std::string> export_session(const SessionExport& session, ExportFormat format);
std::string export_batch(const BatchExport& batch, ExportFormat format);

// The HTML <section> of one span report: effective span, heatmap of attention over document 0
// (a strip of document_pages cells for a PDF, > 0; bars otherwise), distance histogram and top
// passages. What session exports show per answer and `quire-cli report` shows alone.
std::string span_report_html_section(const SpanReport& report, int document_pages);

// One RFC 4180 field: always quoted, inner quotes doubled.
std::string csv_field(std::string_view text);

}  // namespace quire::app
