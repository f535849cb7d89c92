#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <fstream>
#include <string>
#include <vector>

#include "app/store/database.h"
#include "app/store/sha256.h"
#include "app/store/snapshot_store.h"
#include "temp_dir.h"

namespace quire::app {
namespace {
using testing::TempDir;
namespace fs = std::filesystem;

std::vector<std::byte> pattern(size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::byte((i * 131 + seed * 7) & 0xff);
  return v;
}

SnapshotKey key(std::string prefix) { return {"model-a", "full", std::move(prefix), "f16"}; }

struct Fixture {
  TempDir dir;
  Database db;
  Fixture() {
    auto d = Database::open(dir.path() / "q.db");
    EXPECT_TRUE(d) << d.error().message;
    db = std::move(*d);
  }
  SnapshotStore store(int64_t cap = int64_t{1} << 40) {
    auto s = SnapshotStore::open(db, dir.path() / "snapshots", {cap});
    EXPECT_TRUE(s);
    return std::move(*s);
  }
};

TEST(SnapshotStore, WriteThenReadVerifiesAndReturnsPayload) {
  Fixture f;
  auto store = f.store();
  const auto payload = pattern(100000, 1);
  auto info = store.write(key("p1"), 321, payload);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(fs::exists(store.dir() / info->file_name));
  EXPECT_GT(info->bytes, static_cast<int64_t>(payload.size()));
  // The recorded checksum is the SHA-256 of the file as it lies on disk.
  std::ifstream in(store.dir() / info->file_name, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(info->checksum, sha256_hex(bytes));

  auto snap = store.read(key("p1"));
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->payload, payload);
  EXPECT_EQ(snap->info.n_tokens, 321);
  EXPECT_EQ(snap->info.key, key("p1"));
  auto none = store.read(key("other"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::not_found);
}

TEST(SnapshotStore, RewritingAKeyReplacesTheOldFile) {
  Fixture f;
  auto store = f.store();
  auto a = store.write(key("p"), 1, pattern(1000, 1));
  auto b = store.write(key("p"), 2, pattern(2000, 2));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(fs::exists(store.dir() / a->file_name));
  auto all = store.list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  auto snap = store.read(key("p"));
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->payload, pattern(2000, 2));
}

// A source that yields `data` in `chunk`-byte pieces.
ChunkSource chunks_of(const std::vector<std::byte>& data, size_t chunk) {
  auto at = std::make_shared<size_t>(0);
  return [&data, chunk, at]() -> Result<std::span<const std::byte>> {
    const size_t n = std::min(chunk, data.size() - *at);
    std::span<const std::byte> out(data.data() + *at, n);
    *at += n;
    return out;
  };
}

TEST(SnapshotStore, StreamedWriteEqualsWholeWrite) {
  Fixture f;
  auto store = f.store();
  const auto payload = pattern(300007, 9);
  auto info = store.write_stream(key("s"), 77, static_cast<int64_t>(payload.size()),
                                 chunks_of(payload, 4096));
  ASSERT_TRUE(info) << info.error().message;
  auto snap = store.read(key("s"));
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->payload, payload);
  auto whole = store.write(key("w"), 77, payload);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->bytes, info->bytes);
}

TEST(SnapshotStore, StreamThatBreaksItsPromiseStoresNothing) {
  Fixture f;
  auto store = f.store();
  const auto payload = pattern(1000, 9);
  auto shorter = store.write_stream(key("s"), 1, 2000, chunks_of(payload, 100));
  ASSERT_FALSE(shorter);
  EXPECT_EQ(shorter.error().code, Errc::invalid_argument);
  auto longer = store.write_stream(key("s"), 1, 500, chunks_of(payload, 100));
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().code, Errc::invalid_argument);
  const ChunkSource failing = []() -> Result<std::span<const std::byte>> {
    return make_error(Errc::cancelled, "stopped");
  };
  auto failed = store.write_stream(key("s"), 1, 10, failing);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::cancelled);
  EXPECT_TRUE(store.list()->empty());
  EXPECT_TRUE(fs::is_empty(store.dir()));  // no temp file left behind
}

void flip_byte(const fs::path& p, std::streamoff at) {
  std::fstream io(p, std::ios::in | std::ios::out | std::ios::binary);
  io.seekg(at);
  char c = 0;
  io.get(c);
  io.seekp(at);
  io.put(static_cast<char>(c ^ 0x40));
}

TEST(SnapshotStore, CorruptedSnapshotIsDetectedRemovedAndNeverReturned) {
  Fixture f;
  auto store = f.store();
  auto info = store.write(key("p"), 5, pattern(5000, 3));
  ASSERT_TRUE(info);
  flip_byte(store.dir() / info->file_name, 4000);
  auto snap = store.read(key("p"));
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code, Errc::corrupt_data);
  EXPECT_FALSE(fs::exists(store.dir() / info->file_name));
  auto again = store.read(key("p"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::not_found);
}

TEST(SnapshotStore, TruncatedSnapshotIsDetected) {
  Fixture f;
  auto store = f.store();
  auto info = store.write(key("p"), 5, pattern(5000, 3));
  ASSERT_TRUE(info);
  fs::resize_file(store.dir() / info->file_name, 3000);
  auto snap = store.read(key("p"));
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code, Errc::corrupt_data);
}

TEST(SnapshotStore, MissingFileIsDetected) {
  Fixture f;
  auto store = f.store();
  auto info = store.write(key("p"), 5, pattern(50, 3));
  ASSERT_TRUE(info);
  fs::remove(store.dir() / info->file_name);
  auto snap = store.read(key("p"));
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code, Errc::corrupt_data);
  EXPECT_EQ(store.list()->size(), 0u);
}

TEST(SnapshotStore, SwappedFileWithValidChecksumButForeignKeyIsRefused) {
  Fixture f;
  auto store = f.store();
  auto a = store.write(key("a"), 5, pattern(500, 1));
  auto b = store.write({"model-b", "full", "a", "f16"}, 5, pattern(500, 1));
  ASSERT_TRUE(a && b);
  // Someone copies b's file over a's and fixes the row's checksum: the key inside still differs.
  fs::copy_file(store.dir() / b->file_name, store.dir() / a->file_name,
                fs::copy_options::overwrite_existing);
  auto st = f.db.prepare("UPDATE kv_snapshots SET checksum = ? WHERE id = ?");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->bind(1, b->checksum).bind(2, a->id).run());
  auto snap = store.read(key("a"));
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.error().code, Errc::corrupt_data);
}

TEST(SnapshotStore, FingerprintMismatchIsRefusedAndKept) {
  Fixture f;
  auto store = f.store();
  auto info = store.write(key("p"), 5, pattern(500, 1));
  ASSERT_TRUE(info);
  for (const SnapshotKey& other : {SnapshotKey{"model-b", "full", "p", "f16"},
                                   SnapshotKey{"model-a", "tensorized", "p", "f16"},
                                   SnapshotKey{"model-a", "full", "q", "f16"},
                                   SnapshotKey{"model-a", "full", "p", "q8_0"}}) {
    auto snap = store.read_by_id(info->id, other);
    ASSERT_FALSE(snap);
    EXPECT_EQ(snap.error().code, Errc::mismatch) << snap.error().message;
  }
  auto ok = store.read_by_id(info->id, key("p"));
  ASSERT_TRUE(ok) << ok.error().message;
}

TEST(SnapshotStore, LeastRecentlyUsedAreEvictedFirst) {
  Fixture f;
  auto store = f.store(/*cap=*/1 << 30);
  std::vector<SnapshotInfo> infos;
  for (int i = 0; i < 4; ++i) {
    auto info = store.write(key(fmt::format("p{}", i)), i, pattern(10000, unsigned(i)));
    ASSERT_TRUE(info);
    infos.push_back(*info);
  }
  // Use order now: p1, p3 (oldest written p0, p2 untouched since writing).
  ASSERT_TRUE(store.read(key("p1")));
  ASSERT_TRUE(store.read(key("p3")));
  ASSERT_TRUE(store.read(key("p0")));
  // Order by last use: p2, p1, p3, p0. Keep room for two.
  auto removed = store.evict_to(2 * infos[0].bytes);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(store.read(key("p2")).error().code, Errc::not_found);
  EXPECT_EQ(store.read(key("p1")).error().code, Errc::not_found);
  EXPECT_TRUE(store.read(key("p3")));
  EXPECT_TRUE(store.read(key("p0")));
  EXPECT_FALSE(fs::exists(store.dir() / infos[2].file_name));
}

TEST(SnapshotStore, WriteEvictsToTheCapButKeepsTheNewSnapshot) {
  Fixture f;
  auto probe = f.store();
  auto first = probe.write(key("a"), 1, pattern(1000, 1));
  ASSERT_TRUE(first);
  auto store = f.store(/*cap=*/2 * first->bytes);
  ASSERT_TRUE(store.write(key("b"), 1, pattern(1000, 2)));
  ASSERT_TRUE(store.write(key("c"), 1, pattern(1000, 3)));
  EXPECT_EQ(store.read(key("a")).error().code, Errc::not_found);
  EXPECT_TRUE(store.read(key("b")));
  EXPECT_TRUE(store.read(key("c")));
  EXPECT_LE(*store.total_bytes(), 2 * first->bytes);
}

TEST(SnapshotStore, SweepRemovesOrphansAndStaleTemps) {
  Fixture f;
  auto store = f.store();
  ASSERT_TRUE(store.write(key("a"), 1, pattern(100, 1)));
  std::ofstream(store.dir() / "0123456789abcdef0123.qkv") << "orphan";
  // pid 2^22+1 is above Linux's pid_max default and not running.
  std::ofstream(store.dir() / ".tmp-4194305-abc") << "half";
  std::ofstream(store.dir() / fmt::format(".tmp-{}-live", ::getpid())) << "mine, in progress";
  auto report = store.sweep();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->orphan_files, 1);
  EXPECT_EQ(report->stale_temps, 1);
  EXPECT_TRUE(fs::exists(store.dir() / fmt::format(".tmp-{}-live", ::getpid())));
  EXPECT_TRUE(store.read(key("a")));
}

// Disk full, simulated with RLIMIT_FSIZE in a child (EFBIG, reported as no_space): the write
// fails cleanly and the key's previous snapshot is still there and valid.
TEST(SnapshotStore, DiskFullKeepsTheOldSnapshot) {
  Fixture f;
  {
    auto store = f.store();
    ASSERT_TRUE(store.write(key("p"), 1, pattern(1000, 1)));
  }
  const fs::path db_path = f.dir.path() / "q.db";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{200000, 200000};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    auto db = Database::open(db_path);
    if (!db) ::_exit(10);
    auto store = SnapshotStore::open(*db, f.dir.path() / "snapshots");
    if (!store) ::_exit(11);
    auto r = store->write(key("p"), 2, pattern(1 << 20, 2));
    if (r) ::_exit(12);
    ::_exit(r.error().code == Errc::no_space ? 0 : 13);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto store = f.store();
  auto snap = store.read(key("p"));
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->payload, pattern(1000, 1));
  auto report = store.sweep();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->orphan_files + report->stale_temps, 0);  // the failed write left nothing
}

}  // namespace
}  // namespace quire::app
