// TEST CODE ONLY. A stored session for the attention-view and export suites: a three-page PDF
// document (stored as text; no file is needed), one question and one answer, and a span report
// written by hand as JSON (independent of the code that computes reports): page 2 holds 60% of
// the attention, page 3 25%, page 1 none; 15% went outside the document.
#pragma once

#include <QString>

#include <filesystem>

namespace quire::ui::testing {

struct StoredSession {
  qint64 session_id = 0;
  qint64 message_id = 0;  // the answer
  QString question;
  QString answer;
};

inline constexpr const char* kStoredSpanReport = R"({
  "schema": "quire.span_report/1", "attention": "full", "answer_tokens": 4, "layers": 2,
  "total_weight": 8.0, "outside_documents": 0.15,
  "effective_span": {"p50": 6, "p90": 20},
  "distance_histogram": [{"min": 0, "max": 0, "mass": 0.05}, {"min": 1, "max": 1, "mass": 0.10},
                         {"min": 2, "max": 3, "mass": 0.20}, {"min": 4, "max": 7, "mass": 0.40},
                         {"min": 8, "max": 15, "mass": 0.0}, {"min": 16, "max": 31, "mass": 0.25}],
  "segments": [{"document": 0, "document_id": 1, "segment": 1, "label": "p. 2", "mass": 0.6},
               {"document": 0, "document_id": 1, "segment": 2, "label": "p. 3", "mass": 0.25}],
  "groups": [{"document": 0, "kind": "page", "name": "p. 2", "mass": 0.6},
             {"document": 0, "kind": "page", "name": "p. 3", "mass": 0.25}],
  "documents": [{"document": 0, "document_id": 1, "title": "Storms", "kind": "pdf",
                 "mass": 0.85}],
  "top_passages": [{"document": 0, "segment": 1, "label": "p. 2", "mass": 0.6,
                    "text": "The lamp broke."}],
  "per_layer": [{"layer": 0, "mass": 0.5, "mean_distance": 5.0, "entropy_bits": 1.0,
                 "top_segment": {"document": 0, "segment": 1, "label": "p. 2"}},
                {"layer": 1, "mass": 0.5, "mean_distance": 9.0, "entropy_bits": 1.5,
                 "top_segment": null}]
})";

// Creates the store at `database` if needed and adds the session. false on any store error.
bool store_session(const std::filesystem::path& database, StoredSession& out);

}  // namespace quire::ui::testing
