// citations_from_report and citations_to_json on a hand-made document and report, and
// trace_from_recorder's copy of the recorder's steps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "app/analysis/citations.h"

namespace quire::app {
namespace {

Document code_document() {
  Document doc;
  doc.kind = "code";
  doc.title = "proj";
  doc.text = "  int a;\n\nint b;\n" + std::string(700, 'x') + "\xc3\xa9";
  doc.segments = {{0, 10, {}, "", "", "src/a.cpp", 1, 2},
                  {10, 17, {}, "", "", "src/b.cpp", 1, 1},
                  {17, int64_t(doc.text.size()), {}, "", "", "src/c.cpp", 1, 1}};
  return doc;
}

SpanReport report_with(double m0, double m1, double m2) {
  SpanReport r;
  r.segments = {{{0, 0}, 11, "src/a.cpp:1-2", m0},
                {{0, 1}, 11, "src/b.cpp:1", m1},
                {{0, 2}, 11, "src/c.cpp:1", m2}};
  return r;
}

TEST(Citations, LargestMassFirstWithTrimmedQuotes) {
  const Document doc = code_document();
  const std::vector<ContextDocument> docs = {{&doc, 11}};
  const auto cites = citations_from_report(report_with(0.2, 0.5, 0.0), docs, 5);
  ASSERT_EQ(cites.size(), 2u) << "a segment without mass is not cited";
  EXPECT_EQ(cites[0].segment, 1);
  EXPECT_EQ(cites[0].file, "src/b.cpp");
  EXPECT_EQ(cites[0].text, "int b;");
  EXPECT_DOUBLE_EQ(cites[0].weight, 0.5);
  EXPECT_EQ(cites[1].text, "int a;") << "white space around the quote is trimmed";
  EXPECT_EQ(cites[1].document_id, 11);
  EXPECT_EQ(cites[1].line_end, 2);
}

TEST(Citations, LimitAndTiesInDocumentOrder) {
  const Document doc = code_document();
  const std::vector<ContextDocument> docs = {{&doc, 11}};
  const auto cites = citations_from_report(report_with(0.3, 0.3, 0.3), docs, 2);
  ASSERT_EQ(cites.size(), 2u);
  EXPECT_EQ(cites[0].segment, 0);
  EXPECT_EQ(cites[1].segment, 1);
  EXPECT_TRUE(citations_from_report(report_with(0.3, 0.3, 0.3), docs, 0).empty());
}

TEST(Citations, LongQuoteCutAtCharacterBoundary) {
  const Document doc = code_document();
  const std::vector<ContextDocument> docs = {{&doc, 11}};
  // Segment 2 is 700 'x' then a 2-byte character: cutting at 600 bytes keeps 600 'x'.
  const auto cites = citations_from_report(report_with(0, 0, 1.0), docs, 1);
  ASSERT_EQ(cites.size(), 1u);
  EXPECT_EQ(cites[0].text, std::string(kMaxQuoteBytes, 'x'));
}

TEST(Citations, SegmentsTheDocumentsLackAreSkipped) {
  const Document doc = code_document();
  const std::vector<ContextDocument> docs = {{&doc, 11}};
  SpanReport r = report_with(0.1, 0.1, 0.1);
  r.segments.push_back({{0, 9}, 11, "#10", 0.9});
  r.segments.push_back({{3, 0}, 0, "#1", 0.8});
  const auto cites = citations_from_report(r, docs, 5);
  ASSERT_EQ(cites.size(), 3u);
  for (const Citation& c : cites) EXPECT_LT(c.segment, 3);
}

TEST(Citations, JsonHasLocationFieldsOnlyWhenKnown) {
  Document pdf;
  pdf.title = "Book";
  pdf.text = "page one text";
  pdf.segments = {{0, 13, 4, "iv", "", "", 0, 0}};
  const Document code = code_document();
  const std::vector<ContextDocument> docs = {{&pdf, 1}, {&code, 2}};
  SpanReport r;
  r.segments = {{{0, 0}, 1, "p. 4 \"iv\"", 0.6}, {{1, 0}, 2, "src/a.cpp:1-2", 0.4}};
  const auto j = nlohmann::json::parse(citations_to_json(citations_from_report(r, docs, 5)));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["page"], 4);
  EXPECT_EQ(j[0]["page_label"], "iv");
  EXPECT_FALSE(j[0].contains("file"));
  EXPECT_FALSE(j[0].contains("line_start"));
  EXPECT_EQ(j[0]["text"], "page one text");
  EXPECT_EQ(j[1]["file"], "src/a.cpp");
  EXPECT_EQ(j[1]["line_start"], 1);
  EXPECT_EQ(j[1]["line_end"], 2);
  EXPECT_EQ(j[1]["document"], 1);
  EXPECT_EQ(j[1]["document_id"], 2);
  EXPECT_FALSE(j[1].contains("page"));
  EXPECT_DOUBLE_EQ(j[1]["weight"].get<double>(), 0.4);
}

TEST(Citations, TraceCopiesEveryRecordedEntry) {
  std::vector<engine::RecordedStep> steps(2);
  steps[0].position = 10;
  steps[0].layers = {{0, 0.75f, {{3, 0.5f}, {9, 0.25f}}}, {1, 0.5f, {{10, 0.5f}}}};
  steps[1].position = 11;
  steps[1].layers = {{0, 1.0f, {{11, 1.0f}}}};
  const AttentionTrace t = trace_from_recorder(steps, "full");
  EXPECT_EQ(t.attention, "full");
  ASSERT_EQ(t.tokens.size(), 2u);
  EXPECT_EQ(t.tokens[0].position, 10);
  ASSERT_EQ(t.tokens[0].layers.size(), 2u);
  EXPECT_EQ(t.tokens[0].layers[1].layer, 1);
  ASSERT_EQ(t.tokens[0].layers[0].entries.size(), 2u);
  EXPECT_EQ(t.tokens[0].layers[0].entries[1].position, 9);
  EXPECT_FLOAT_EQ(t.tokens[0].layers[0].entries[1].weight, 0.25f);
  EXPECT_EQ(t.tokens[1].layers[0].entries[0].position, 11);
}

}  // namespace
}  // namespace quire::app
