// Attention-span report of one answer (DESIGN.md): where in the documents the model looked while
// it wrote the answer. Built from the attention weights the engine records during decode and the
// context builder's token -> segment map; stored as JSON (span_report_repo.h), shown as Markdown,
// HTML (export.h) and in the GUI.
//
// Input: for each answer token and each recorded layer, the attention weights of that token's
// query over earlier positions, averaged over heads: all positions (dense) or only the top-k
// (sparse; the engine keeps the k largest, so the rest of the row is simply not counted). Full and
// tensorized attention fill the same struct; `attention` names which produced it.
//
// Output units: masses are fractions of all recorded weight (sum over tokens, layers and entries),
// so they add up to 1 over segments plus `outside_documents`. Distances are in tokens:
// query position minus key position.
//
// JSON contract (stable; "schema" changes when a field's meaning does):
// {
//   "schema": "quire.span_report/1",
//   "attention": "full" | "tensorized" | ...,
//   "answer_tokens": int, "layers": int, "total_weight": float (the raw sum the fractions divide),
//   "outside_documents": float (template, system prompt, question and answer positions),
//   "effective_span": {"p50": int, "p90": int}  (smallest distance holding >= 50% / 90%),
//   "distance_histogram": [{"min": int, "max": int, "mass": float}]  (log2 buckets: [0,0],
//        [1,1], [2,3], [4,7], ... up to the largest distance seen; empty buckets included),
//   "segments": [{"document": int, "document_id": int, "segment": int, "label": str,
//                 "mass": float}]  (every segment with weight, in document order),
//   "groups": [{"document": int, "kind": "page"|"file"|"chapter"|"segment", "name": str,
//               "mass": float}]  (segments summed per page / file / chapter, document order),
//   "documents": [{"document": int, "document_id": int, "title": str, "kind": str,
//                  "mass": float}],
//   "top_passages": [{"document": int, "segment": int, "label": str, "mass": float,
//                     "text": str (at most 400 bytes of the segment, cut at a UTF-8 boundary)}],
//   "per_layer": [{"layer": int, "mass": float, "mean_distance": float, "entropy_bits": float,
//                  "top_segment": {"document": int, "segment": int, "label": str} | null}]
// }
// Indexes ("document", "segment") are 0-based into the context's documents and their segments.
//
// Threads: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/context/context_builder.h"
#include "engine/base/result.h"

namespace quire::app {

struct AttentionEntry {
  int64_t position = 0;  // key position in the whole sequence (prefix, suffix, answer)
  float weight = 0.0f;   // >= 0, head-averaged softmax weight
  // > 0: the weight covers positions [position, position + length) as a whole (tensorized
  // attention's blocks); the report spreads it evenly over them.
  int64_t length = 1;
};

// One layer's attention for one answer token.
struct LayerAttention {
  int32_t layer = 0;
  std::vector<AttentionEntry> entries;  // any order; no position covered twice
};

struct AnswerTokenAttention {
  int64_t position = 0;               // the answer token's own position (its query)
  std::vector<LayerAttention> layers;
};

struct AttentionTrace {
  std::string attention = "full";             // which attention produced it
  std::vector<AnswerTokenAttention> tokens;   // in decode order
};

struct SpanReportInput {
  const AttentionTrace* trace = nullptr;
  // BuiltContext::prefix_segments: the segment of each prefix position; positions past its end
  // (question, answer) belong to no segment.
  const std::vector<SegmentRef>* token_segments = nullptr;
  std::vector<ContextDocument> documents;  // as given to build_context
  int top_passages = 5;
};

struct SegmentMass {
  SegmentRef ref;
  int64_t document_id = 0;
  std::string label;
  double mass = 0.0;
};

struct GroupMass {
  int32_t document = 0;
  std::string kind;  // page | file | chapter | segment
  std::string name;  // "p. 12", "src/a.cpp", "ch. Storms", "#3"
  double mass = 0.0;
};

struct DocumentMass {
  int32_t document = 0;
  int64_t document_id = 0;
  std::string title;
  std::string kind;
  double mass = 0.0;
};

struct Passage {
  SegmentRef ref;
  std::string label;
  double mass = 0.0;
  std::string text;
};

struct HistogramBucket {
  int64_t min = 0, max = 0;  // distances, inclusive
  double mass = 0.0;
};

struct LayerSummary {
  int32_t layer = 0;
  double mass = 0.0;
  double mean_distance = 0.0;  // mass-weighted, tokens
  double entropy_bits = 0.0;   // mean over answer tokens of the row's entropy (row normalized)
  std::optional<SegmentMass> top_segment;
};

struct SpanReport {
  std::string attention;
  int64_t answer_tokens = 0;
  int32_t layers = 0;
  double total_weight = 0.0;
  double outside_documents = 0.0;
  int64_t span_p50 = 0, span_p90 = 0;
  std::vector<HistogramBucket> histogram;
  std::vector<SegmentMass> segments;
  std::vector<GroupMass> groups;
  std::vector<DocumentMass> documents;
  std::vector<Passage> top_passages;
  std::vector<LayerSummary> per_layer;  // by layer number
};

// Errors: invalid_argument for a missing trace/map/document, a negative or non-finite weight, a
// key position that is negative or after its query, a position listed twice in one row.
// A trace without any weight gives a report with zero masses (nothing was recorded).
Result<SpanReport> compute_span_report(const SpanReportInput& input);

std::string span_report_to_json(const SpanReport& report);  // the contract above, indented
// Reads the contract back (stored reports, exports). Errc::corrupt_data when the text is not JSON
// or a field has the wrong type; Errc::unsupported for another "schema".
Result<SpanReport> span_report_from_json(std::string_view json_text);
std::string span_report_to_markdown(const SpanReport& report);

}  // namespace quire::app
