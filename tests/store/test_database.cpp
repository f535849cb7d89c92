#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "app/store/database.h"
#include "app/store/migrations.h"
#include "temp_dir.h"

namespace quire::app {
namespace {
using testing::TempDir;

TEST(Database, MigratesFromEmptyAndReopensIdempotently) {
  TempDir dir;
  const auto path = dir.path() / "q.db";
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db) << db.error().message;
    auto v = db->query_int64("PRAGMA user_version");
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, latest_schema_version());
    EXPECT_GE(*v, 1);
    auto tables = db->query_int64(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('documents', "
        "'segments', 'sessions', 'messages', 'kv_snapshots', 'batch_runs', 'batch_items', "
        "'span_reports', 'segments_fts')");
    ASSERT_TRUE(tables);
    EXPECT_EQ(*tables, 9);
    ASSERT_TRUE(db->exec("INSERT INTO batch_runs (question, model_fingerprint, attention_config, "
                         "status, created_at) VALUES ('q', 'm', 'a', 'done', 1)"));
  }
  auto again = Database::open(path);
  ASSERT_TRUE(again) << again.error().message;
  auto v = again->query_int64("PRAGMA user_version");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, latest_schema_version());
  auto rows = again->query_int64("SELECT count(*) FROM batch_runs");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, 1);  // re-opening did not re-run the initial migration
}

TEST(Database, PragmasAreSetOnEveryConnection) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  auto st = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st);
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->column_text(0), "wal");
  EXPECT_EQ(*db->query_int64("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(*db->query_int64("PRAGMA synchronous"), 1);  // NORMAL
}

TEST(Database, MigrationsApplyInOrderAndStopOnNewerDatabase) {
  TempDir dir;
  const auto path = dir.path() / "q.db";
  Database::Options raw;
  raw.migrate = false;
  auto db = Database::open(path, raw);
  ASSERT_TRUE(db);
  const Migration two[] = {{1, "001_a.sql", "CREATE TABLE a (x INTEGER);"},
                           {2, "002_b.sql", "INSERT INTO a VALUES (7);"}};
  ASSERT_TRUE(migrate(*db, std::span<const Migration>(two, 1)));
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), 1);
  ASSERT_TRUE(migrate(*db, two));
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), 2);
  ASSERT_TRUE(migrate(*db, two));  // idempotent
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM a"), 1);

  auto newer = migrate(*db, std::span<const Migration>(two, 1));
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, Errc::unsupported);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos) << newer.error().message;
}

TEST(Database, FailedMigrationRollsBackWhole) {
  TempDir dir;
  Database::Options raw;
  raw.migrate = false;
  auto db = Database::open(dir.path() / "q.db", raw);
  ASSERT_TRUE(db);
  const Migration bad[] = {{1, "001_bad.sql", "CREATE TABLE a (x); CREATE TABLE a (y);"}};
  auto r = migrate(*db, bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("001_bad.sql"), std::string::npos);
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), 0);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM sqlite_schema WHERE name = 'a'"), 0);
}

TEST(Database, DatabaseFromNewerQuireIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "q.db";
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec(fmt::format("PRAGMA user_version={}", latest_schema_version() + 1)));
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::unsupported);
}

TEST(Database, NotADatabaseIsCorruptData) {
  TempDir dir;
  const auto path = dir.path() / "junk.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::corrupt_data) << db.error().message;
}

TEST(Database, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  {
    auto tx = db->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO batch_runs (question, model_fingerprint, attention_config, "
                         "status, created_at) VALUES ('q', 'm', 'a', 'done', 1)"));
  }
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM batch_runs"), 0);
  {
    auto tx = db->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db->exec("INSERT INTO batch_runs (question, model_fingerprint, attention_config, "
                         "status, created_at) VALUES ('q', 'm', 'a', 'done', 1)"));
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM batch_runs"), 1);
}

TEST(Database, BindErrorsAndConstraintViolationsAreValues) {
  TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  auto st = db->prepare("INSERT INTO batch_runs (question, model_fingerprint, attention_config, "
                        "status, created_at) VALUES (?, 'm', 'a', 'bogus', 1)");
  ASSERT_TRUE(st);
  auto r = st->bind(1, "q").run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  st->reset();
  auto r2 = st->bind(5, "out of range").run();
  ASSERT_FALSE(r2);
  auto bad = db->prepare("SELEKT 1");
  EXPECT_FALSE(bad);
}

// One connection per thread, all writing at once: WAL + busy_timeout + BEGIN IMMEDIATE serialize
// the writers without a single failed transaction or a lost row.
TEST(Database, OneConnectionPerThreadWritesConcurrently) {
  TempDir dir;
  const auto path = dir.path() / "q.db";
  ASSERT_TRUE(Database::open(path));
  constexpr int kThreads = 4;
  constexpr int kRows = 100;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto db = Database::open(path);
      if (!db) {
        failures[t] = db.error().message;
        return;
      }
      for (int i = 0; i < kRows; ++i) {
        auto tx = db->begin();
        if (!tx) { failures[t] = tx.error().message; return; }
        auto st = db->prepare("INSERT INTO batch_runs (name, question, model_fingerprint, "
                              "attention_config, status, created_at) VALUES (?, 'q', 'm', 'a', "
                              "'running', ?)");
        if (!st) { failures[t] = st.error().message; return; }
        if (auto ok = st->bind(1, fmt::format("t{}", t)).bind(2, i).run(); !ok) {
          failures[t] = ok.error().message;
          return;
        }
        if (auto ok = tx->commit(); !ok) { failures[t] = ok.error().message; return; }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  auto db = Database::open(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM batch_runs"), kThreads * kRows);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(*db->query_int64(fmt::format("SELECT count(*) FROM batch_runs WHERE name = 't{}'", t)), kRows);
  }
}

// Several threads opening a brand-new file at once: exactly one applies each migration.
TEST(Database, ConcurrentFirstOpensMigrateOnce) {
  TempDir dir;
  const auto path = dir.path() / "fresh.db";
  constexpr int kThreads = 6;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto db = Database::open(path);
      if (!db) failures[t] = db.error().message;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  auto db = Database::open(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), latest_schema_version());
}

}  // namespace
}  // namespace quire::app
