// Citations of an answer: the document segments that received the most attention from the answer
// tokens, with where they are (page, chapter, file:line) and the quoted passage.
//
// The weights come from the engine's AttentionRecorder (top-k positions per layer and answer
// token), turned into the app's AttentionTrace and summed per segment by compute_span_report;
// a citation's weight is its segment's fraction of all recorded attention (span_report.h), so
// weights of several citations add up to at most 1.
//
// Threads: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/analysis/span_report.h"
#include "app/context/context_builder.h"
#include "engine/runtime/attention_recorder.h"

namespace quire::app {

struct Citation {
  int32_t document = 0;      // index into the context's documents
  int64_t document_id = 0;   // documents.id in the store (0: not stored)
  std::string document_title;
  int32_t segment = 0;       // index into that document's segments
  std::string label;         // segment_label(): "p. 12", "src/a.cpp:10-40", "ch. Title", "#3"
  std::optional<int> page;   // PDFs (1-based)
  std::string page_label;    // printed page label, when the PDF has one
  std::string chapter;
  std::string file;          // code folders: path relative to the folder
  int line_start = 0;        // 1-based, inclusive; 0 when unknown
  int line_end = 0;
  std::string text;          // the segment's text, trimmed, at most kMaxQuoteBytes (UTF-8 whole)
  double weight = 0.0;       // fraction of all recorded attention, (0, 1]
};

inline constexpr size_t kMaxQuoteBytes = 600;

// The recorder's steps as a span-report trace (`attention` names the attention mode).
AttentionTrace trace_from_recorder(const std::vector<engine::RecordedStep>& steps,
                                   std::string attention);

// The `max_citations` segments of `report` with the largest mass (> 0), largest first, ties in
// document order. `documents` are those given to build_context and compute_span_report; a
// segment the report names but the documents lack is skipped.
std::vector<Citation> citations_from_report(const SpanReport& report,
                                            const std::vector<ContextDocument>& documents,
                                            int max_citations);

// The JSON array stored in messages.citations_json and printed by `quire-cli ask --json`:
// [{"document", "document_id", "title", "segment", "label", "page"?, "page_label"?,
//   "chapter"?, "file"?, "line_start"?, "line_end"?, "text", "weight"}]; optional fields are
// present only when known (file and lines for code, page for PDFs, chapter for sections;
// line_start/line_end also for plain text when its segments know their lines).
std::string citations_to_json(const std::vector<Citation>& citations);

}  // namespace quire::app
