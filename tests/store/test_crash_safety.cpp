// Kills a process that writes documents and KV snapshots (store_crash_writer) with SIGKILL at
// random moments, many times over one data folder, and checks after every kill that the database
// is consistent and every snapshot is either complete and valid or detected and ignored.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "app/store/database.h"
#include "app/store/snapshot_store.h"
#include "crash_payload.h"
#include "temp_dir.h"

extern char** environ;

namespace quire::app {
namespace {
using testing::TempDir;

pid_t start_writer(const std::filesystem::path& dir, uint64_t seed) {
  const std::string exe = QUIRE_CRASH_WRITER;
  const std::string dir_arg = dir.string();
  const std::string seed_arg = std::to_string(seed);
  char* argv[] = {const_cast<char*>(exe.c_str()), const_cast<char*>(dir_arg.c_str()),
                  const_cast<char*>(seed_arg.c_str()), nullptr};
  pid_t pid = -1;
  if (::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, environ) != 0) return -1;
  return pid;
}

struct Tally {
  int valid = 0;
  int ignored = 0;
};

void check_consistent(const std::filesystem::path& dir, Tally& tally, int iteration) {
  SCOPED_TRACE(fmt::format("after kill #{}", iteration));
  auto db = Database::open(dir / "quire.db");
  ASSERT_TRUE(db) << db.error().message;
  auto integrity = db->prepare("PRAGMA integrity_check");
  ASSERT_TRUE(integrity);
  ASSERT_TRUE(*integrity->step());
  EXPECT_EQ(integrity->column_text(0), "ok");
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_TRUE(db->exec("INSERT INTO segments_fts(segments_fts) VALUES ('integrity-check')"));
  // The writer's segments cover each text exactly: a half-replaced document would not.
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM documents d WHERE (SELECT coalesce(sum("
                             "char_end - char_begin), 0) FROM segments s WHERE s.document_id = "
                             "d.id) != length(CAST(d.text AS BLOB))"),
            0);

  auto store = SnapshotStore::open(*db, dir / "snapshots");
  ASSERT_TRUE(store);
  auto rows = store->list();
  ASSERT_TRUE(rows);
  for (const SnapshotInfo& info : *rows) {
    auto snap = store->read_by_id(info.id, info.key);
    if (snap) {
      EXPECT_TRUE(testing::payload_is_consistent(snap->payload)) << info.file_name;
      ++tally.valid;
    } else {
      // Never trusted: reported as damaged, and gone afterwards.
      EXPECT_EQ(snap.error().code, Errc::corrupt_data) << snap.error().message;
      EXPECT_EQ(store->read_by_id(info.id, info.key).error().code, Errc::not_found);
      ++tally.ignored;
    }
  }
  auto sweep = store->sweep();
  ASSERT_TRUE(sweep) << sweep.error().message;
  // After the sweep, the folder holds exactly the files the rows name.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "snapshots")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, store->list()->size());
}

TEST(CrashSafety, KillNineAtRandomMomentsLeavesAConsistentStore) {
  TempDir dir;
  std::mt19937_64 rng(20261122);
  Tally tally;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(18);
  int iterations = 0;
  while (iterations < 300 && std::chrono::steady_clock::now() < deadline) {
    const pid_t pid = start_writer(dir.path(), rng());
    ASSERT_GT(pid, 0) << "cannot start " << QUIRE_CRASH_WRITER;
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 120000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // The writer only ever ends by the kill: an exit means it failed on its own.
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited with " << WEXITSTATUS(status);
    ++iterations;
    check_consistent(dir.path(), tally, iterations);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GE(iterations, 20);
  EXPECT_GT(tally.valid, 0);  // the writer did get snapshots through between kills
  RecordProperty("kills", iterations);
  RecordProperty("valid_snapshots_seen", tally.valid);
  RecordProperty("ignored_snapshots", tally.ignored);
  std::printf("kills %d, valid snapshots seen %d, ignored %d\n", iterations, tally.valid,
              tally.ignored);
}

}  // namespace
}  // namespace quire::app
