// `quire-cli report` and `sessions` data: one answer's span report loaded from a seeded store and
// rendered (JSON as stored, Markdown with the span numbers, HTML with the two SVG pictures and no
// script), and the session summaries (newest first, per document, message counts).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "app/analysis/answer_report.h"
#include "app/analysis/span_report.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_summary.h"
#include "app/store/span_report_repo.h"
#include "../store/temp_dir.h"

namespace quire::app {
namespace {

Document pages(const std::string& path) {
  Document d;
  d.kind = "pdf";
  d.title = "Storms <&> Lamps";
  d.path = path;
  d.text = "one\ntwo\nthree\n";
  d.pages = 3;
  d.segments = {{0, 4, 1, "", "", "", 0, 0}, {4, 8, 2, "", "", "", 0, 0},
                {8, 14, 3, "", "", "", 0, 0}};
  return d;
}

TEST(AnswerReport, LoadsAndRendersOneAnswer) {
  testing::TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db) << db.error().message;
  const Document doc = pages("/tmp/storms.pdf");
  const auto ingested = DocumentRepo(*db).ingest(doc, {std::string(64, 'a'), 14, 1});
  ASSERT_TRUE(ingested);
  SessionRepo sessions(*db);
  const auto session = sessions.create(ingested->document_id, "t", "fp", "kv_type=f16");
  ASSERT_TRUE(session);
  const auto question = sessions.append(session->id, "user", "What broke?");
  const auto answer = sessions.append(session->id, "assistant", "The <lamp>.");
  ASSERT_TRUE(question && answer);
  // Page 2 gets 3/4 of the attention at distance 6, page 1 the rest at distance 9: p50 = 6.
  AttentionTrace trace;
  trace.tokens = {{10, {{0, {{1, 0.25f}, {4, 0.75f}}}}}};
  const std::vector<SegmentRef> map = {{-1, -1}, {0, 0}, {0, 0}, {0, 1}, {0, 1}, {0, 2}};
  const auto report = compute_span_report({&trace, &map, {{&doc, ingested->document_id}}, 5});
  ASSERT_TRUE(report);
  ASSERT_EQ(report->span_p50, 6);
  ASSERT_TRUE(SpanReportRepo(*db).put(answer->id, span_report_to_json(*report)));

  auto loaded = load_answer_report(*db, answer->id);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->question, "What broke?");
  EXPECT_EQ(loaded->answer, "The <lamp>.");
  EXPECT_EQ(loaded->session_id, session->id);
  EXPECT_EQ(loaded->document_pages, 3);

  const auto json = render_answer_report(*loaded, ExportFormat::json);
  ASSERT_TRUE(json);
  EXPECT_EQ(span_report_from_json(*json)->span_p50, 6);
  const auto md = render_answer_report(*loaded, ExportFormat::markdown);
  ASSERT_TRUE(md);
  EXPECT_NE(md->find("within 6 tokens"), std::string::npos) << *md;
  EXPECT_NE(md->find("What broke?"), std::string::npos);
  const auto html = render_answer_report(*loaded, ExportFormat::html);
  ASSERT_TRUE(html);
  size_t svgs = 0;
  for (size_t at = html->find("<svg"); at != std::string::npos; at = html->find("<svg", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 2u);  // the page heatmap and the distance histogram
  EXPECT_EQ(html->find("<script"), std::string::npos);
  EXPECT_NE(html->find("The &lt;lamp&gt;."), std::string::npos);  // escaped
  EXPECT_FALSE(render_answer_report(*loaded, ExportFormat::csv));

  const auto of_question = load_answer_report(*db, question->id);
  ASSERT_FALSE(of_question);
  EXPECT_EQ(of_question.error().code, Errc::not_found);
  EXPECT_NE(of_question.error().message.find("only answers"), std::string::npos);
  const auto missing = load_answer_report(*db, answer->id + 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(SessionSummary, NewestFirstPerDocumentWithCounts) {
  testing::TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db) << db.error().message;
  DocumentRepo docs(*db);
  const auto a = docs.ingest(pages("/tmp/a.pdf"), {std::string(64, 'a'), 14, 1});
  const auto b = docs.ingest(pages("/tmp/b.pdf"), {std::string(64, 'b'), 14, 1});
  ASSERT_TRUE(a && b);
  SessionRepo sessions(*db);
  const auto s1 = sessions.create(a->document_id, "first", "fp", "kv_type=f16");
  const auto s2 = sessions.create(b->document_id, "second", "fp", "kv_type=f16");
  ASSERT_TRUE(s1 && s2);
  ASSERT_TRUE(sessions.append(s2->id, "user", "q"));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // updated_at is in ms
  ASSERT_TRUE(sessions.append(s1->id, "user", "q"));
  ASSERT_TRUE(sessions.append(s1->id, "assistant", "a"));

  const auto all = list_session_summaries(*db, std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].session.id, s1->id);  // updated last
  EXPECT_EQ((*all)[0].messages, 2);
  EXPECT_EQ((*all)[0].document_path, "/tmp/a.pdf");
  EXPECT_EQ((*all)[1].messages, 1);
  const auto of_b = list_session_summaries(*db, b->document_id);
  ASSERT_TRUE(of_b);
  ASSERT_EQ(of_b->size(), 1u);
  EXPECT_EQ((*of_b)[0].session.title, "second");

  const auto owner = find_message_owner(*db, 1);
  ASSERT_TRUE(owner && owner->has_value());
  EXPECT_EQ((*owner)->session_id, s2->id);
  EXPECT_EQ((*owner)->document_id, b->document_id);
  const auto none = find_message_owner(*db, 99);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace quire::app
