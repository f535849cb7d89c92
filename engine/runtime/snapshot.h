// Session snapshots: the whole state of a Session (tokens, KV cache, last logits, sampler RNG)
// in one file, so that re-opening a document needs no new prefill.
//
// File format, version 2, every integer little-endian:
//   header
//     magic "QUIRESNP" (8 bytes), u32 version = 2, u32 header_bytes (whole header, checksum
//     included), u64 n_tokens, u64 token_prefix_hash (token_prefix_hash() of the tokens),
//     u64 payload_bytes, u64 payload_checksum (XXH3-64 of the payload),
//     u32 length + bytes: model fingerprint, u32 length + bytes: config fingerprint,
//     u64 header_checksum (XXH3-64 of every header byte before it)
//   payload (exactly payload_bytes, the file ends with it)
//     i32 tokens[n_tokens]; u32 n_logits, f32 logits[n_logits];
//     u32 length + bytes: Sampler::save_state(); the KvCache::save() stream; the
//     CpuForward::save_attention() stream (hybrid boundary and tensorized states, which cannot
//     be rebuilt from K and V).
// Version 1 is version 2 without the attention stream; it is still read (full attention only:
// its config fingerprint has no attention entries, so other modes refuse it as a mismatch).
// A file is trusted only when every check passes: magic, version, header checksum, sizes, the
// model and config fingerprints, the payload checksum, the token hash and the parts' own checks.
// Files are written to "<path>.partial", fsync'd, then renamed over `path`, so a crash never
// leaves a half-written snapshot under the real name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "engine/base/result.h"
#include "engine/runtime/session.h"

namespace quire::engine {

inline constexpr uint32_t kSnapshotVersion = 2;
// The oldest version load_snapshot still reads.
inline constexpr uint32_t kSnapshotMinVersion = 1;

// XXH3-64 of the tokens as little-endian int32: finds the snapshots that a prompt extends.
uint64_t token_prefix_hash(std::span<const int32_t> tokens);

// What a snapshot's header says, read without loading the payload (store listings).
struct SnapshotInfo {
  std::string model_fingerprint;
  std::string config_fingerprint;
  uint64_t n_tokens = 0;
  uint64_t token_prefix_hash = 0;
  uint64_t payload_bytes = 0;
  uint64_t payload_checksum = 0;
  uint64_t file_bytes = 0;
  uint32_t version = kSnapshotVersion;
};

// Writes `session` to `path` (parent folder must exist). Errors: io_error / no_space /
// permission_denied naming the file; nothing is left at `path` or "<path>.partial" on error
// (an older file at `path` stays as it was).
Result<SnapshotInfo> save_snapshot(const Session& session, const std::filesystem::path& path);

// Reads and checks the header only (not the payload checksum). Errors: not_found,
// corrupt_data (damaged or truncated header, sizes that disagree with the file), unsupported
// (a format version outside [kSnapshotMinVersion, kSnapshotVersion]).
Result<SnapshotInfo> read_snapshot_info(const std::filesystem::path& path);

// Replaces the state of `session` with the snapshot at `path`, after checking all of it.
// Errors: those of read_snapshot_info; mismatch when the snapshot was made with another model or
// another config_fingerprint (the message names both; the prefill must be redone);
// context_overflow when it holds more tokens than the session's n_ctx; corrupt_data for a
// damaged payload. On any error found before restoring (all of the above) the session is
// unchanged; should a checksummed payload still fail to parse, the session is cleared.
Result<SnapshotInfo> load_snapshot(Session& session, const std::filesystem::path& path);

// The same from the bytes of a snapshot file already in memory (e.g. read and verified by the
// app's snapshot store); `name` stands for the file in messages. The bytes are only read.
Result<SnapshotInfo> load_snapshot(Session& session, std::span<const uint8_t> bytes,
                                   const std::string& name);

}  // namespace quire::engine
