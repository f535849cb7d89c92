#include <gtest/gtest.h>

#include "app/store/batch_repo.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_repo.h"
#include "app/store/span_report_repo.h"
#include "temp_dir.h"

namespace quire::app {
namespace {
using testing::TempDir;

struct Fixture {
  TempDir dir;
  Database db;
  int64_t doc_id = 0;
  Fixture() {
    db = std::move(Database::open(dir.path() / "q.db").value());
    Document doc;
    doc.kind = "text";
    doc.title = "t";
    doc.path = "/t.txt";
    doc.text = "hello";
    doc.segments.push_back({0, 5, std::nullopt, "", "", "", 0, 0});
    doc_id = DocumentRepo(db).ingest(doc, {"h", 5, 1}).value().document_id;
  }
};

TEST(Sessions, MessagesKeepOrderTimingsAndCitations) {
  Fixture f;
  SessionRepo repo(f.db);
  auto s = repo.create(f.doc_id, "first", "model-a", "full");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(repo.append(s->id, "user", "What is it?"));
  auto a = repo.append(s->id, "assistant", "A greeting.", {120, 4, 33.5, 12.25},
                       R"([{"page":1,"quote":"hello"}])");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->ordinal, 1);
  auto msgs = repo.messages(s->id);
  ASSERT_TRUE(msgs);
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].role, "user");
  EXPECT_EQ((*msgs)[0].citations_json, "[]");
  EXPECT_EQ((*msgs)[1].timings.prompt_tokens, 120);
  EXPECT_EQ((*msgs)[1].timings.completion_tokens, 4);
  EXPECT_DOUBLE_EQ((*msgs)[1].timings.prefill_ms, 33.5);
  EXPECT_DOUBLE_EQ((*msgs)[1].timings.decode_ms, 12.25);
  EXPECT_EQ((*msgs)[1].citations_json, R"([{"page":1,"quote":"hello"}])");
  EXPECT_EQ(repo.list_for_document(f.doc_id)->size(), 1u);
}

TEST(Sessions, BadInputIsRefused) {
  Fixture f;
  SessionRepo repo(f.db);
  auto none = repo.create(12345, "x", "m", "full");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
  auto s = repo.create(f.doc_id, "x", "m", "full");
  ASSERT_TRUE(s);
  EXPECT_EQ(repo.append(s->id, "robot", "x").error().code, Errc::invalid_argument);
  EXPECT_EQ(repo.append(s->id, "user", "x", {}, "[not json").error().code, Errc::invalid_argument);
  EXPECT_EQ(repo.append(999, "user", "x").error().code, Errc::invalid_argument);
  EXPECT_TRUE(repo.messages(s->id)->empty());
}

TEST(Sessions, DeletingCascadesToMessagesAndSpanReports) {
  Fixture f;
  SessionRepo repo(f.db);
  SpanReportRepo reports(f.db);
  auto s = repo.create(f.doc_id, "x", "m", "full");
  auto m = repo.append(s->id, "assistant", "answer");
  ASSERT_TRUE(s && m);
  auto r = reports.put(m->id, R"({"effective_span_50":120})");
  ASSERT_TRUE(r) << r.error().message;
  auto replaced = reports.put(m->id, R"({"effective_span_50":7})");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->id, r->id);
  EXPECT_EQ((*reports.find_for_message(m->id))->report_json, R"({"effective_span_50":7})");
  EXPECT_EQ(reports.put(m->id, "{oops").error().code, Errc::invalid_argument);
  EXPECT_EQ(reports.put(777, "{}").error().code, Errc::invalid_argument);
  ASSERT_TRUE(repo.remove(s->id));
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM span_reports"), 0);
}

TEST(Batches, RunLifecycleAndDocumentDeletionNullsTheLink) {
  Fixture f;
  BatchRepo repo(f.db);
  auto run = repo.create_run("nightly", "Summarize", "m", "full", {"/t.txt", "/b.pdf"});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->status, "running");
  auto items = repo.items(run->id);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].status, "pending");
  ASSERT_TRUE(repo.finish_item((*items)[0].id, f.doc_id, "done", "A greeting.", "", 10, 2));
  ASSERT_TRUE(repo.finish_item((*items)[1].id, std::nullopt, "failed", "", "encrypted PDF", 0, 0));
  EXPECT_FALSE(repo.finish_item((*items)[1].id, std::nullopt, "bogus", "", "", 0, 0));
  ASSERT_TRUE(repo.finish_run(run->id, "done"));
  EXPECT_FALSE(repo.finish_run(run->id, "running"));
  auto found = repo.find_run(run->id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->status, "done");
  EXPECT_TRUE((*found)->finished_at.has_value());

  ASSERT_TRUE(DocumentRepo(f.db).remove(f.doc_id));
  items = repo.items(run->id);
  EXPECT_FALSE((*items)[0].document_id.has_value());  // ON DELETE SET NULL; the answer stays
  EXPECT_EQ((*items)[0].answer, "A greeting.");
  EXPECT_EQ((*items)[1].error, "encrypted PDF");

  ASSERT_TRUE(repo.remove_run(run->id));
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM batch_items"), 0);
}

TEST(Batches, DuplicatePathsAreRefusedAtomically) {
  Fixture f;
  BatchRepo repo(f.db);
  auto run = repo.create_run("x", "q", "m", "full", {"/a", "/b", "/a"});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code, Errc::invalid_argument);
  EXPECT_NE(run.error().message.find("/a"), std::string::npos);
  EXPECT_TRUE(repo.list_runs()->empty());
}

}  // namespace
}  // namespace quire::app
