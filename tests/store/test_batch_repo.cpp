// Batch runs with many questions (migration 002): the v1 -> v2 migration keeps existing runs
// valid, items are one per (document, question) in document-major order, outcomes and the
// resume lookup.
#include <gtest/gtest.h>

#include "app/store/batch_repo.h"
#include "app/store/database.h"
#include "app/store/migrations.h"
#include "app/store/session_repo.h"
#include "temp_dir.h"

namespace quire::app {
namespace {
using testing::TempDir;

NewBatchRun two_by_three() {
  NewBatchRun r;
  r.name = "nightly";
  r.folder = "/docs";
  r.questions = {"Who?", "When?", "Why?"};
  r.questions_hash = "qh";
  r.options_hash = "oh";
  r.model_fingerprint = "m";
  r.attention_config = "full";
  r.paths = {"/docs/a.txt", "/docs/b.md"};
  return r;
}

TEST(BatchMigration, V1RunsAndItemsSurviveWithTheirQuestion) {
  TempDir dir;
  Database::Options raw;
  raw.migrate = false;
  auto db = Database::open(dir.path() / "q.db", raw);
  ASSERT_TRUE(db) << db.error().message;
  const auto all = embedded_migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_EQ(all[1].name, "002_batch_questions.sql");
  ASSERT_TRUE(migrate(*db, all.subspan(0, 1)));
  ASSERT_EQ(*db->query_int64("PRAGMA user_version"), 1);
  // A v1 database as Quire 1 wrote it: one question per run, one item per path.
  ASSERT_TRUE(db->exec(
      "INSERT INTO documents (id, path, kind, title, content_hash, bytes, mtime_ns, ingested_at, "
      "text) VALUES (4, '/a.txt', 'text', 'a', 'h', 1, 1, 1, 'x');"
      "INSERT INTO batch_runs (id, name, question, model_fingerprint, attention_config, status, "
      "created_at, finished_at) VALUES (7, 'old', 'What is it?', 'm', 'full', 'done', 5, 6),"
      "(8, 'older', 'Who?', 'm', 'full', 'running', 3, NULL);"
      "INSERT INTO batch_items (id, run_id, path, document_id, status, answer, error, "
      "prefill_ms, decode_ms) VALUES (11, 7, '/a.txt', 4, 'done', 'A thing.', '', 1.5, 2.5),"
      "(12, 7, '/b.pdf', NULL, 'failed', '', 'encrypted PDF', 0, 0),"
      "(13, 8, '/a.txt', NULL, 'pending', '', '', 0, 0);"));
  ASSERT_TRUE(migrate(*db, all));
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), latest_schema_version());
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM pragma_foreign_key_check"), 0);

  BatchRepo repo(*db);
  auto run = repo.find_run(7);
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->question, "What is it?");
  EXPECT_EQ((*run)->status, "done");
  EXPECT_EQ((*run)->folder, "");
  auto questions = repo.questions(7);
  ASSERT_TRUE(questions);
  ASSERT_EQ(questions->size(), 1u);
  EXPECT_EQ((*questions)[0].text, "What is it?");
  EXPECT_EQ((*questions)[0].ordinal, 0);
  auto items = repo.items(7);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, 11);
  EXPECT_EQ((*items)[0].question, "What is it?");
  EXPECT_EQ((*items)[0].document_id, 4);
  EXPECT_EQ((*items)[0].answer, "A thing.");
  EXPECT_DOUBLE_EQ((*items)[0].decode_ms, 2.5);
  EXPECT_EQ((*items)[0].citations_json, "[]");
  EXPECT_FALSE((*items)[0].message_id.has_value());
  EXPECT_EQ((*items)[1].error, "encrypted PDF");
  EXPECT_EQ(repo.items(8)->at(0).question, "Who?");
  // The v1 run still finishes, and the migrated schema takes new runs.
  ASSERT_TRUE(repo.finish_item(13, std::nullopt, "done", "Bob.", "", 1, 1));
  ASSERT_TRUE(repo.finish_run(8, "done"));
  EXPECT_TRUE(repo.create_run(two_by_three()));
  // Deleting the document keeps the answer (SET NULL), deleting a run takes its questions.
  ASSERT_TRUE(db->exec("DELETE FROM documents WHERE id = 4"));
  EXPECT_FALSE(repo.items(7)->at(0).document_id.has_value());
  ASSERT_TRUE(repo.remove_run(7));
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM batch_questions WHERE run_id = 7"), 0);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM batch_items WHERE run_id = 7"), 0);
}

TEST(BatchRepo, ItemsAreDocumentMajorWithOneRowPerQuestion) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  BatchRepo repo(*db);
  auto run = repo.create_run(two_by_three());
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->question, "Who?\nWhen?\nWhy?");
  auto items = repo.items(run->id);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 6u);
  const char* expected_paths[] = {"/docs/a.txt", "/docs/a.txt", "/docs/a.txt",
                                  "/docs/b.md",  "/docs/b.md",  "/docs/b.md"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ((*items)[i].path, expected_paths[i]);
    EXPECT_EQ((*items)[i].question_ordinal, int64_t(i % 3));
    EXPECT_EQ((*items)[i].question, two_by_three().questions[i % 3]);
    EXPECT_EQ((*items)[i].status, "pending");
    EXPECT_FALSE((*items)[i].started_at.has_value());
  }
  NewBatchRun twice = two_by_three();
  twice.paths.push_back("/docs/a.txt");
  auto refused = repo.create_run(twice);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  NewBatchRun none = two_by_three();
  none.questions.clear();
  EXPECT_EQ(repo.create_run(none).error().code, Errc::invalid_argument);
  EXPECT_EQ(repo.list_runs()->size(), 1u);  // the refused runs left nothing behind
}

TEST(BatchRepo, OutcomesLinkTheStoredAnswerAndItsCitations) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec(
      "INSERT INTO documents (id, path, kind, title, content_hash, bytes, mtime_ns, ingested_at, "
      "text) VALUES (1, '/docs/a.txt', 'text', 'a', 'h', 1, 1, 1, 'x')"));
  SessionRepo sessions(*db);
  auto session = sessions.create(1, "t", "m", "full");
  ASSERT_TRUE(session);
  auto message = sessions.append(session->id, "assistant", "Ann.", {}, R"([{"label":"#1"}])");
  ASSERT_TRUE(message);
  BatchRepo repo(*db);
  auto run = repo.create_run(two_by_three());
  ASSERT_TRUE(run);
  const auto items = *repo.items(run->id);
  BatchItemOutcome done;
  done.document_id = 1;
  done.status = "done";
  done.answer = "Ann.";
  done.context_tokens = 120;
  done.prefix_tokens = 100;
  done.prefill_tokens = 120;
  done.answer_tokens = 4;
  done.message_id = message->id;
  done.started_at = 1000;
  ASSERT_TRUE(repo.finish_item(items[0].id, done));
  BatchItemOutcome failed;
  failed.status = "failed";
  failed.error = "binary file";
  ASSERT_TRUE(repo.finish_item(items[3].id, failed));
  BatchItemOutcome bogus;
  bogus.status = "pending";
  EXPECT_EQ(repo.finish_item(items[1].id, bogus).error().code, Errc::invalid_argument);
  EXPECT_EQ(repo.finish_item(9999, done).error().code, Errc::invalid_argument);

  const auto after = *repo.items(run->id);
  EXPECT_EQ(after[0].status, "done");
  EXPECT_EQ(after[0].message_id, message->id);
  EXPECT_EQ(after[0].citations_json, R"([{"label":"#1"}])");
  EXPECT_EQ(after[0].prefix_tokens, 100);
  EXPECT_EQ(after[0].prefill_tokens, 120);
  EXPECT_EQ(after[0].context_tokens, 120);
  EXPECT_EQ(after[0].started_at, 1000);
  EXPECT_TRUE(after[0].finished_at.has_value());
  EXPECT_EQ(after[1].status, "pending");
  EXPECT_EQ(after[3].status, "failed");
  EXPECT_EQ(after[3].error, "binary file");
  // Deleting the session's messages keeps the item, without the link.
  ASSERT_TRUE(sessions.remove(session->id));
  EXPECT_FALSE(repo.items(run->id)->at(0).message_id.has_value());
  EXPECT_EQ(repo.items(run->id)->at(0).answer, "Ann.");
}

TEST(BatchRepo, ResumeFindsTheNewestUnfinishedRunOfTheSameJob) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  BatchRepo repo(*db);
  const NewBatchRun spec = two_by_three();
  const auto find = [&](const NewBatchRun& s) {
    return repo.find_unfinished(s.folder, s.questions_hash, s.options_hash, s.model_fingerprint,
                                s.attention_config);
  };
  EXPECT_FALSE(find(spec)->has_value());
  auto first = repo.create_run(spec);
  auto second = repo.create_run(spec);
  ASSERT_TRUE(first && second);
  EXPECT_EQ((*find(spec))->id, second->id);  // newest first
  ASSERT_TRUE(repo.finish_run(second->id, "done"));
  EXPECT_EQ((*find(spec))->id, first->id);
  ASSERT_TRUE(repo.finish_run(first->id, "cancelled"));
  EXPECT_EQ((*find(spec))->id, first->id);  // cancelled is resumable
  for (auto change : {&NewBatchRun::folder, &NewBatchRun::questions_hash,
                      &NewBatchRun::options_hash, &NewBatchRun::model_fingerprint,
                      &NewBatchRun::attention_config}) {
    NewBatchRun other = spec;
    other.*change += "-other";
    EXPECT_FALSE(find(other)->has_value());
  }
  ASSERT_TRUE(repo.reopen_run(first->id));
  auto reopened = repo.find_run(first->id);
  EXPECT_EQ((*reopened)->status, "running");
  EXPECT_FALSE((*reopened)->finished_at.has_value());
  EXPECT_EQ(repo.reopen_run(second->id).error().code, Errc::invalid_argument);  // done
  EXPECT_EQ(repo.reopen_run(424242).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace quire::app
