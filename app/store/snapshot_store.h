// KV-cache snapshot files beside the database (Paths::snapshots_dir()), indexed by the
// kv_snapshots table. Snapshots are never BLOBs and never trusted blindly.
//
// File layout (little-endian): "QKVSNAP1", u32 key_bytes, u64 n_tokens, u64 payload_bytes,
// key (4 length-prefixed u32 strings: model, attention, prefix hash, kv type), payload.
// kv_snapshots.checksum is the SHA-256 of the whole file, kv_snapshots.bytes its size.
//
// Write protocol, crash-safe at every step: payload -> ".tmp-<pid>-<rand>" in the folder, fsync;
// then, holding the database write lock: rename to a fresh "<rand>.qkv", fsync the folder, insert
// the row (replacing an older snapshot of the same key), commit; then the old file is unlinked.
// A crash leaves at worst an orphan file without a row or a dead process's temp file, which
// sweep() deletes (it takes the write lock, so it never races a live writer). Disk full ->
// Errc::no_space; the key's old snapshot stays readable.
//
// Read protocol: row by key -> size, checksum and the key inside the file must all agree. A
// damaged, truncated, missing or foreign file is never returned: its row and file are removed with
// a log warning and the caller gets Errc::corrupt_data (redo the prefill).
//
// LRU: every successful read or write stamps last_used; after each write the least recently used
// snapshots are removed until the total is within Options::byte_cap (the new snapshot itself is
// kept even when it alone is larger than the cap).
//
// Threads: a SnapshotStore borrows one thread's Database. Several stores (threads or processes)
// may share one folder and database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "app/store/durable_file.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

// What a KV state depends on. Two snapshots with the same key are interchangeable.
struct SnapshotKey {
  std::string model_fingerprint;  // identifies the model weights (e.g. GGUF hash)
  std::string attention_config;   // e.g. "full" or "tensorized:rank=8"
  std::string prefix_hash;        // hash of the token prefix the KV state holds
  std::string kv_type;            // "f16" | "q8_0" ...

  bool operator==(const SnapshotKey&) const = default;
};

struct SnapshotInfo {
  int64_t id = 0;
  SnapshotKey key;
  int64_t n_tokens = 0;
  std::string file_name;  // inside the snapshots folder
  int64_t bytes = 0;      // file size, header included
  std::string checksum;   // SHA-256 hex of the file
  int64_t created_at = 0; // Unix ms
  int64_t last_used = 0;  // strictly increasing Unix microseconds
};

struct Snapshot {
  SnapshotInfo info;
  std::vector<std::byte> payload;
};

// What sweep() cleaned up.
struct SweepReport {
  int orphan_files = 0;   // complete files no row points at (crash between rename and commit)
  int stale_temps = 0;    // temp files of processes that no longer run
  int missing_files = 0;  // rows whose file is gone (removed)
};

class SnapshotStore {
 public:
  struct Options {
    int64_t byte_cap = int64_t{32} << 30;  // total file bytes kept (LRU beyond)
  };

  // Creates the folder if needed.
  static Result<SnapshotStore> open(Database& db, std::filesystem::path dir, Options options);
  static Result<SnapshotStore> open(Database& db, std::filesystem::path dir) {
    return open(db, std::move(dir), Options{});
  }

  // Stores `payload` as the snapshot of `key`, replacing any older one, then evicts to the cap.
  Result<SnapshotInfo> write(const SnapshotKey& key, int64_t n_tokens,
                             std::span<const std::byte> payload, std::stop_token stop = {});
  // The same for a payload too large to hold at once: `next` yields exactly `payload_bytes`
  // bytes in chunks (durable_file.h), else Errc::invalid_argument and nothing is stored.
  Result<SnapshotInfo> write_stream(const SnapshotKey& key, int64_t n_tokens,
                                    int64_t payload_bytes, const ChunkSource& next,
                                    std::stop_token stop = {});

  // The verified snapshot of `key`. Errc::not_found when there is none; Errc::corrupt_data when
  // it was damaged (and has now been removed).
  Result<Snapshot> read(const SnapshotKey& key);
  // The verified snapshot with row id `id`, which must belong to `expected`: Errc::mismatch
  // (refused, left in place for its own model) when it was made for another key.
  Result<Snapshot> read_by_id(int64_t id, const SnapshotKey& expected);

  // Every row, least recently used first.
  Result<std::vector<SnapshotInfo>> list();
  Result<int64_t> total_bytes();
  // Removes least recently used snapshots until the total is at most `cap` bytes; returns how
  // many were removed. `keep_id` (0: none) is never removed.
  Result<int> evict_to(int64_t cap, int64_t keep_id = 0);
  Result<void> remove(int64_t id);
  // Deletes orphan and stale files and rows whose file is missing (see SweepReport).
  Result<SweepReport> sweep();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  SnapshotStore(Database& db, std::filesystem::path dir, Options options)
      : db_(&db), dir_(std::move(dir)), options_(options) {}
  Result<Snapshot> verify_and_load(SnapshotInfo info);
  // Removes a damaged entry (row, then file) and returns the corrupt_data error to report.
  Error discard(const SnapshotInfo& info, std::string why);

  Database* db_;
  std::filesystem::path dir_;
  Options options_;
};

}  // namespace quire::app
