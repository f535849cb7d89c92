// Span reports on hand-made attention weights whose masses, spans and entropies are worked out
// by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "app/analysis/span_report.h"

namespace quire::app {
namespace {

// Three PDF pages of one document; page 2 holds two segments.
Document book() {
  Document d;
  d.kind = "pdf";
  d.title = "Book";
  d.text = "first page|second a|second b|third";
  d.segments = {{0, 10, 1, "", "", "", 0, 0},
                {11, 19, 2, "", "", "", 0, 0},
                {20, 28, 2, "", "", "", 0, 0},
                {29, 34, 3, "", "", "", 0, 0}};
  return d;
}

// Positions 0..9: 0 template, 1-2 seg 0, 3-4 seg 1, 5 seg 2, 6 seg 3, 7 template; 8, 9 question.
const std::vector<SegmentRef> kMap = {{-1, -1}, {0, 0}, {0, 0}, {0, 1}, {0, 1},
                                      {0, 2},   {0, 3}, {-1, -1}};

TEST(SpanReport, OneDenseRow) {
  const Document doc = book();
  AttentionTrace trace;
  // The answer token at position 10 puts 0.5 on position 1 (distance 9), 0.25 on 3 (distance 7)
  // and 0.25 on 5 (distance 5).
  trace.tokens = {{10, {{0, {{1, 0.5f}, {3, 0.25f}, {5, 0.25f}}}}}};
  SpanReportInput in{&trace, &kMap, {{&doc, 42}}, 5};
  const auto r = compute_span_report(in);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->segments.size(), 3u);
  EXPECT_DOUBLE_EQ(r->segments[0].mass, 0.5);
  EXPECT_EQ(r->segments[0].label, "p. 1");
  EXPECT_EQ(r->segments[0].document_id, 42);
  EXPECT_DOUBLE_EQ(r->segments[1].mass, 0.25);
  EXPECT_DOUBLE_EQ(r->segments[2].mass, 0.25);
  // Pages: p. 1 = 0.5, p. 2 = 0.25 + 0.25 (two segments).
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->groups[1].name, "p. 2");
  EXPECT_EQ(r->groups[1].kind, "page");
  EXPECT_DOUBLE_EQ(r->groups[1].mass, 0.5);
  EXPECT_DOUBLE_EQ(r->documents[0].mass, 1.0);
  EXPECT_DOUBLE_EQ(r->outside_documents, 0.0);
  // Sorted by distance: 5 (0.25), 7 (0.25 -> 0.5), 9 (-> 1.0).
  EXPECT_EQ(r->span_p50, 7);
  EXPECT_EQ(r->span_p90, 9);
  // Buckets [0,0] [1,1] [2,3] [4,7] [8,15]: 5 and 7 in [4,7], 9 in [8,15].
  ASSERT_EQ(r->histogram.size(), 5u);
  EXPECT_EQ(r->histogram[3].min, 4);
  EXPECT_EQ(r->histogram[3].max, 7);
  EXPECT_DOUBLE_EQ(r->histogram[3].mass, 0.5);
  EXPECT_DOUBLE_EQ(r->histogram[4].mass, 0.5);
  EXPECT_DOUBLE_EQ(r->histogram[0].mass, 0.0);
  // Mean distance 0.5*9 + 0.25*7 + 0.25*5 = 7.5; entropy of (1/2, 1/4, 1/4) = 1.5 bits.
  ASSERT_EQ(r->per_layer.size(), 1u);
  EXPECT_DOUBLE_EQ(r->per_layer[0].mean_distance, 7.5);
  EXPECT_NEAR(r->per_layer[0].entropy_bits, 1.5, 1e-12);
  ASSERT_TRUE(r->per_layer[0].top_segment);
  EXPECT_EQ(r->per_layer[0].top_segment->ref, (SegmentRef{0, 0}));
  ASSERT_EQ(r->top_passages.size(), 3u);
  EXPECT_EQ(r->top_passages[0].text, "first page");
}

TEST(SpanReport, SparseRowsOverLayersAndTokens) {
  const Document doc = book();
  AttentionTrace trace;
  trace.attention = "tensorized";
  // Token at 8: layer 0 all on position 6 (seg 3, distance 2); layer 1 on 0 (template, 8).
  // Token at 9: layer 0 0.5 on 9 itself (question, 0) and 0.5 on 4 (seg 1, 5); layer 1: 1.0 on 2
  // (seg 0, 7). Total weight 4: seg 3 = 1/4, outside = 1.5/4, seg 1 = 0.5/4, seg 0 = 1/4.
  trace.tokens = {{8, {{0, {{6, 1.0f}}}, {1, {{0, 1.0f}}}}},
                  {9, {{0, {{9, 0.5f}, {4, 0.5f}}}, {1, {{2, 1.0f}}}}}};
  SpanReportInput in{&trace, &kMap, {{&doc, 1}}, 2};
  const auto r = compute_span_report(in);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->answer_tokens, 2);
  EXPECT_EQ(r->layers, 2);
  EXPECT_DOUBLE_EQ(r->total_weight, 4.0);
  EXPECT_DOUBLE_EQ(r->outside_documents, 0.375);
  // Distances: 0 (0.125), 2 (0.25 -> 0.375), 5 (0.125 -> 0.5), 7 (0.25 -> 0.75), 8 (-> 1).
  EXPECT_EQ(r->span_p50, 5);
  EXPECT_EQ(r->span_p90, 8);
  EXPECT_DOUBLE_EQ(r->histogram[0].mass, 0.125);
  // Layer 0: weight 2 of 4, mean distance (2 + 0 + 2.5) / 2 = 2.25, entropies 0 and 1 -> 0.5.
  ASSERT_EQ(r->per_layer.size(), 2u);
  EXPECT_DOUBLE_EQ(r->per_layer[0].mass, 0.5);
  EXPECT_DOUBLE_EQ(r->per_layer[0].mean_distance, 2.25);
  EXPECT_DOUBLE_EQ(r->per_layer[0].entropy_bits, 0.5);
  EXPECT_EQ(r->per_layer[0].top_segment->ref, (SegmentRef{0, 3}));
  EXPECT_EQ(r->per_layer[1].top_segment->ref, (SegmentRef{0, 0}));
  EXPECT_DOUBLE_EQ(r->per_layer[1].mean_distance, 7.5);
  // Top passages: seg 0 and seg 3 (0.25 each, document order on ties), not seg 1.
  ASSERT_EQ(r->top_passages.size(), 2u);
  EXPECT_EQ(r->top_passages[0].ref, (SegmentRef{0, 0}));
  EXPECT_EQ(r->top_passages[1].ref, (SegmentRef{0, 3}));

  const auto j = nlohmann::json::parse(span_report_to_json(*r));
  EXPECT_EQ(j["schema"], "quire.span_report/1");
  EXPECT_EQ(j["attention"], "tensorized");
  EXPECT_EQ(j["effective_span"]["p50"], 5);
  EXPECT_DOUBLE_EQ(j["segments"][0]["mass"].get<double>(), 0.25);
  EXPECT_EQ(j["per_layer"][1]["top_segment"]["label"], "p. 1");
  EXPECT_EQ(j["top_passages"][1]["text"], "third");
  double sum = j["outside_documents"].get<double>();
  for (const auto& s : j["segments"]) sum += s["mass"].get<double>();
  EXPECT_DOUBLE_EQ(sum, 1.0);
  const std::string md = span_report_to_markdown(*r);
  EXPECT_NE(md.find("50% of the attention within 5 tokens, 90% within 8 tokens"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | p. 1 | 25.0% | first page |"), std::string::npos) << md;
}

// Tensorized attention's spans: the weight of a span is spread evenly over its positions.
TEST(SpanReport, SpansSpreadEvenlyOverTheirPositions) {
  const Document doc = book();
  AttentionTrace trace;
  // The token at 10: 0.6 on positions [1, 5) (1-2 seg 0, 3-4 seg 1: 0.3 each; distances 9..6,
  // pieces at their middles), 0.4 on [5, 8) (5 seg 2, 6 seg 3, 7 template: 0.4/3 each).
  trace.tokens = {{10, {{0, {{1, 0.6f, 4}, {5, 0.4f, 3}}}}}};
  SpanReportInput in{&trace, &kMap, {{&doc, 1}}, 5};
  const auto r = compute_span_report(in);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->segments.size(), 4u);
  EXPECT_NEAR(r->segments[0].mass, 0.3, 1e-7);
  EXPECT_NEAR(r->segments[1].mass, 0.3, 1e-7);
  EXPECT_NEAR(r->segments[2].mass, 0.4 / 3, 1e-7);
  EXPECT_NEAR(r->segments[3].mass, 0.4 / 3, 1e-7);
  EXPECT_NEAR(r->outside_documents, 0.4 / 3, 1e-7);
  // Mean distance: 0.6 * 7.5 + 0.4 * 4 = 6.1. Entropy: four positions of 0.15 and three of
  // 0.4/3: -(0.6 log2 0.15 + 0.4 log2 (0.4/3)).
  ASSERT_EQ(r->per_layer.size(), 1u);
  EXPECT_NEAR(r->per_layer[0].mean_distance, 6.1, 1e-6);
  EXPECT_NEAR(r->per_layer[0].entropy_bits,
              -(0.6 * std::log2(0.15) + 0.4 * std::log2(0.4 / 3)), 1e-6);
  // Distances, one piece per position here (spans under 16 positions): 3, 4, 5 at 0.4/3 each,
  // then 6, 7, 8, 9 at 0.15: the half is reached at 6, 90% at 9.
  EXPECT_EQ(r->span_p50, 6);
  EXPECT_EQ(r->span_p90, 9);
}

TEST(SpanReport, RejectsBadWeights) {
  const Document doc = book();
  AttentionTrace trace;
  trace.tokens = {{10, {{0, {{11, 1.0f}}}}}};  // a key after its query
  SpanReportInput in{&trace, &kMap, {{&doc, 1}}, 5};
  EXPECT_EQ(compute_span_report(in).error().code, Errc::invalid_argument);
  trace.tokens = {{10, {{0, {{1, -0.5f}}}}}};
  EXPECT_EQ(compute_span_report(in).error().code, Errc::invalid_argument);
  trace.tokens = {{10, {{0, {{1, 0.5f}, {1, 0.5f}}}}}};
  EXPECT_EQ(compute_span_report(in).error().code, Errc::invalid_argument);
  trace.tokens = {{10, {{0, {{1, 0.5f, 3}, {3, 0.5f}}}}}};  // overlapping: [1, 4) and 3
  EXPECT_EQ(compute_span_report(in).error().code, Errc::invalid_argument);
  trace.tokens = {{10, {{0, {{8, 1.0f, 4}}}}}};  // a span reaching past its query
  EXPECT_EQ(compute_span_report(in).error().code, Errc::invalid_argument);
  const std::vector<SegmentRef> bad_map = {{0, 7}};
  trace.tokens.clear();
  SpanReportInput bad{&trace, &bad_map, {{&doc, 1}}, 5};
  EXPECT_EQ(compute_span_report(bad).error().code, Errc::invalid_argument);
  // Nothing recorded: zero masses, no crash.
  const auto empty = compute_span_report(in);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->segments.empty());
  EXPECT_EQ(empty->span_p50, 0);
}

}  // namespace
}  // namespace quire::app
