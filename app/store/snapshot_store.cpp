#include "app/store/snapshot_store.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>

#include "app/store/database.h"
#include "app/store/durable_file.h"
#include "app/store/sha256.h"
#include "engine/base/log.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[8] = {'Q', 'K', 'V', 'S', 'N', 'A', 'P', '1'};
constexpr size_t kFixedHeader = 8 + 4 + 8 + 8;
constexpr std::string_view kSuffix = ".qkv";
constexpr std::string_view kTempPrefix = ".tmp-";

void put_u32(std::vector<std::byte>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xff));
}
void put_u64(std::vector<std::byte>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xff));
}
uint64_t get_le(std::span<const std::byte> in, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t(in[at + size_t(i)]) << (8 * i);
  return v;
}

std::vector<std::byte> encode_header(const SnapshotKey& key, int64_t n_tokens, size_t payload) {
  std::vector<std::byte> key_bytes;
  for (const std::string* s : {&key.model_fingerprint, &key.attention_config, &key.prefix_hash,
                               &key.kv_type}) {
    put_u32(key_bytes, static_cast<uint32_t>(s->size()));
    for (char c : *s) key_bytes.push_back(std::byte(static_cast<unsigned char>(c)));
  }
  std::vector<std::byte> out(reinterpret_cast<const std::byte*>(kMagic),
                             reinterpret_cast<const std::byte*>(kMagic) + 8);
  put_u32(out, static_cast<uint32_t>(key_bytes.size()));
  put_u64(out, static_cast<uint64_t>(n_tokens));
  put_u64(out, payload);
  out.insert(out.end(), key_bytes.begin(), key_bytes.end());
  return out;
}

struct Decoded {
  SnapshotKey key;
  int64_t n_tokens = 0;
  size_t payload_offset = 0;
};

// Parses the header of a whole file, with bounds checks on every length; nullopt if malformed.
std::optional<Decoded> decode_header(std::span<const std::byte> file) {
  if (file.size() < kFixedHeader || std::memcmp(file.data(), kMagic, 8) != 0) return std::nullopt;
  const uint64_t key_len = get_le(file, 8, 4);
  const uint64_t n_tokens = get_le(file, 12, 8);
  const uint64_t payload = get_le(file, 20, 8);
  if (key_len > file.size() - kFixedHeader) return std::nullopt;
  if (payload != file.size() - kFixedHeader - key_len) return std::nullopt;
  if (n_tokens > uint64_t{1} << 40) return std::nullopt;
  Decoded d;
  d.n_tokens = static_cast<int64_t>(n_tokens);
  d.payload_offset = kFixedHeader + key_len;
  size_t at = kFixedHeader;
  for (std::string* s : {&d.key.model_fingerprint, &d.key.attention_config, &d.key.prefix_hash,
                         &d.key.kv_type}) {
    if (d.payload_offset - at < 4) return std::nullopt;
    const uint64_t len = get_le(file, at, 4);
    at += 4;
    if (len > d.payload_offset - at) return std::nullopt;
    s->assign(reinterpret_cast<const char*>(file.data() + at), len);
    at += len;
  }
  if (at != d.payload_offset) return std::nullopt;
  return d;
}

constexpr std::string_view kColumns =
    "id, model_fingerprint, attention_config, prefix_hash, kv_type, n_tokens, file_name, bytes, "
    "checksum, created_at, last_used";

SnapshotInfo read_info(const Statement& st) {
  SnapshotInfo i;
  i.id = st.column_int64(0);
  i.key = {std::string(st.column_text(1)), std::string(st.column_text(2)),
           std::string(st.column_text(3)), std::string(st.column_text(4))};
  i.n_tokens = st.column_int64(5);
  i.file_name = st.column_text(6);
  i.bytes = st.column_int64(7);
  i.checksum = st.column_text(8);
  i.created_at = st.column_int64(9);
  i.last_used = st.column_int64(10);
  return i;
}

int64_t unix_us_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// last_used: now, but strictly after every stamp already given, so LRU order is total.
constexpr std::string_view kTouchSql =
    "UPDATE kv_snapshots SET last_used = max(?, (SELECT coalesce(max(last_used), 0) + 1 FROM "
    "kv_snapshots)) WHERE id = ?";

std::string random_hex(int digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string s = fmt::format("{:016x}{:016x}", rng(), rng());
  return s.substr(0, static_cast<size_t>(digits));
}

bool is_snapshot_key_text_ok(const SnapshotKey& key) {
  return !key.model_fingerprint.empty() && !key.attention_config.empty() &&
         !key.prefix_hash.empty() && !key.kv_type.empty();
}

}  // namespace

Result<SnapshotStore> SnapshotStore::open(Database& db, fs::path dir, Options options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return make_error(ec == std::errc::no_space_on_device ? Errc::no_space : Errc::io_error,
                      "cannot create the snapshot folder {}: {}; choose another with QUIRE_HOME",
                      dir.string(), ec.message());
  }
  return SnapshotStore(db, std::move(dir), options);
}

Result<SnapshotInfo> SnapshotStore::write(const SnapshotKey& key, int64_t n_tokens,
                                          std::span<const std::byte> payload,
                                          std::stop_token stop) {
  bool given = false;
  const ChunkSource once = [&]() -> Result<std::span<const std::byte>> {
    if (given) return std::span<const std::byte>();
    given = true;
    return payload;
  };
  return write_stream(key, n_tokens, static_cast<int64_t>(payload.size()), once, stop);
}

Result<SnapshotInfo> SnapshotStore::write_stream(const SnapshotKey& key, int64_t n_tokens,
                                                 int64_t payload_bytes, const ChunkSource& next,
                                                 std::stop_token stop) {
  if (!is_snapshot_key_text_ok(key) || n_tokens < 0 || payload_bytes < 0) {
    return make_error(Errc::invalid_argument,
                      "a KV snapshot needs a model fingerprint, attention config, prefix hash and "
                      "KV type, n_tokens >= 0 and a size >= 0 (got n_tokens {}, {} bytes)",
                      n_tokens, payload_bytes);
  }
  const std::vector<std::byte> header =
      encode_header(key, n_tokens, static_cast<size_t>(payload_bytes));
  Sha256 sha;
  int64_t produced = 0;
  bool header_sent = false;
  // Hashes and counts what goes to disk, so the checksum is of exactly the bytes written.
  const ChunkSource counted = [&]() -> Result<std::span<const std::byte>> {
    std::span<const std::byte> chunk = header;
    if (header_sent) {
      auto got = next();
      if (!got) return got.error();
      chunk = *got;
      produced += static_cast<int64_t>(chunk.size());
      if (produced > payload_bytes || (chunk.empty() && produced != payload_bytes)) {
        return make_error(Errc::invalid_argument,
                          "a KV snapshot promised {} bytes but its source gave {}{}; nothing "
                          "was stored", payload_bytes, produced, chunk.empty() ? "" : " or more");
      }
    }
    header_sent = true;
    sha.update(chunk);
    return chunk;
  };
  SnapshotInfo info;
  info.key = key;
  info.n_tokens = n_tokens;
  info.bytes = static_cast<int64_t>(header.size()) + payload_bytes;
  info.file_name = random_hex(20) + std::string(kSuffix);
  const fs::path temp =
      dir_ / fmt::format("{}{}-{}", kTempPrefix, ::getpid(), random_hex(12));
  if (auto ok = write_temp_durably(temp, counted, stop); !ok) return ok.error();
  info.checksum = sha.hex_digest();

  // The bytes are durable; now give the file its name and its row in one step, replacing the
  // key's old row.
  std::string old_file;
  auto commit_row = [&]() -> Result<void> {
    auto tx = db_->begin();
    if (!tx) return tx.error();
    // Published under the write lock, so sweep() (which takes it too) never sees the new name
    // without its row unless this process died before committing.
    if (auto ok = publish_durably(temp, dir_ / info.file_name); !ok) return ok.error();
    auto old = db_->prepare(
        "SELECT id, file_name FROM kv_snapshots WHERE model_fingerprint = ? AND attention_config "
        "= ? AND prefix_hash = ? AND kv_type = ?");
    if (!old) return old.error();
    old->bind(1, key.model_fingerprint).bind(2, key.attention_config).bind(3, key.prefix_hash);
    auto row = old->bind(4, key.kv_type).step();
    if (!row) return row.error();
    if (*row) {
      old_file = old->column_text(1);
      auto del = db_->prepare("DELETE FROM kv_snapshots WHERE id = ?");
      if (!del) return del.error();
      if (auto ok = del->bind(1, old->column_int64(0)).run(); !ok) return ok.error();
    }
    info.created_at = unix_ms_now();
    auto ins = db_->prepare(
        "INSERT INTO kv_snapshots (model_fingerprint, attention_config, prefix_hash, kv_type, "
        "n_tokens, file_name, bytes, checksum, created_at, last_used) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)");
    if (!ins) return ins.error();
    ins->bind(1, key.model_fingerprint).bind(2, key.attention_config).bind(3, key.prefix_hash);
    ins->bind(4, key.kv_type).bind(5, n_tokens).bind(6, info.file_name).bind(7, info.bytes);
    if (auto ok = ins->bind(8, info.checksum).bind(9, info.created_at).run(); !ok) return ok.error();
    info.id = db_->last_insert_rowid();
    auto touch = db_->prepare(kTouchSql);
    if (!touch) return touch.error();
    if (auto ok = touch->bind(1, unix_us_now()).bind(2, info.id).run(); !ok) return ok.error();
    return tx->commit();
  };
  if (auto ok = commit_row(); !ok) {
    std::error_code ec;
    fs::remove(temp, ec);
    fs::remove(dir_ / info.file_name, ec);
    return ok.error();
  }
  if (!old_file.empty()) {
    std::error_code ec;
    fs::remove(dir_ / old_file, ec);
  }
  if (auto evicted = evict_to(options_.byte_cap, info.id); !evicted) {
    log::warn("KV snapshots: eviction failed: {}", evicted.error().message);
  }
  auto stamp = db_->prepare("SELECT last_used FROM kv_snapshots WHERE id = ?");
  if (stamp) {
    if (auto row = stamp->bind(1, info.id).step(); row && *row) info.last_used = stamp->column_int64(0);
  }
  return info;
}

Error SnapshotStore::discard(const SnapshotInfo& info, std::string why) {
  log::warn("KV snapshot {} ({} tokens, model {}) is unusable and was removed: {}; the prefill "
            "will be redone",
            info.file_name, info.n_tokens, info.key.model_fingerprint, why);
  auto del = db_->prepare("DELETE FROM kv_snapshots WHERE id = ? AND file_name = ?");
  if (del && del->bind(1, info.id).bind(2, info.file_name).run()) {
    std::error_code ec;
    fs::remove(dir_ / info.file_name, ec);
  }
  return make_error(Errc::corrupt_data, "KV snapshot {} is damaged ({}); it was removed and the "
                    "prefill will be redone", (dir_ / info.file_name).string(), why);
}

Result<Snapshot> SnapshotStore::verify_and_load(SnapshotInfo info) {
  // Size first: a damaged file may claim any size, and must not make us allocate it.
  std::error_code ec;
  const auto on_disk = fs::file_size(dir_ / info.file_name, ec);
  if (ec == std::errc::no_such_file_or_directory) return discard(info, "the file is missing");
  if (!ec && on_disk != static_cast<uintmax_t>(info.bytes)) {
    return discard(info, fmt::format("{} bytes on disk, {} recorded", on_disk, info.bytes));
  }
  auto file = read_whole_file(dir_ / info.file_name);
  if (!file) {
    if (file.error().code == Errc::not_found) return discard(info, "the file is missing");
    return file.error();
  }
  if (static_cast<int64_t>(file->size()) != info.bytes) {
    return discard(info, fmt::format("{} bytes on disk, {} recorded", file->size(), info.bytes));
  }
  if (sha256_hex(*file) != info.checksum) return discard(info, "checksum mismatch");
  auto decoded = decode_header(*file);
  if (!decoded) return discard(info, "malformed header");
  if (!(decoded->key == info.key) || decoded->n_tokens != info.n_tokens) {
    return discard(info, "the file belongs to another model, configuration or prefix");
  }
  auto touch = db_->prepare(kTouchSql);
  if (!touch) return touch.error();
  if (auto ok = touch->bind(1, unix_us_now()).bind(2, info.id).run(); !ok) return ok.error();
  Snapshot snap;
  snap.payload = std::move(*file);  // drop the header in place: no second copy of a large state
  snap.payload.erase(snap.payload.begin(),
                     snap.payload.begin() + static_cast<std::ptrdiff_t>(decoded->payload_offset));
  snap.info = std::move(info);
  return snap;
}

Result<Snapshot> SnapshotStore::read(const SnapshotKey& key) {
  auto st = db_->prepare(fmt::format(
      "SELECT {} FROM kv_snapshots WHERE model_fingerprint = ? AND attention_config = ? AND "
      "prefix_hash = ? AND kv_type = ?", kColumns));
  if (!st) return st.error();
  st->bind(1, key.model_fingerprint).bind(2, key.attention_config).bind(3, key.prefix_hash);
  auto row = st->bind(4, key.kv_type).step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, "no KV snapshot for this model, attention and prefix");
  return verify_and_load(read_info(*st));
}

Result<Snapshot> SnapshotStore::read_by_id(int64_t id, const SnapshotKey& expected) {
  auto st = db_->prepare(fmt::format("SELECT {} FROM kv_snapshots WHERE id = ?", kColumns));
  if (!st) return st.error();
  auto row = st->bind(1, id).step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, "no KV snapshot {}", id);
  SnapshotInfo info = read_info(*st);
  if (!(info.key == expected)) {
    return make_error(Errc::mismatch,
                      "KV snapshot {} was made for model {} / attention {} / KV {}, not for model "
                      "{} / attention {} / KV {} (or another token prefix); it is not used",
                      id, info.key.model_fingerprint, info.key.attention_config, info.key.kv_type,
                      expected.model_fingerprint, expected.attention_config, expected.kv_type);
  }
  return verify_and_load(std::move(info));
}

Result<std::vector<SnapshotInfo>> SnapshotStore::list() {
  auto st = db_->prepare(fmt::format("SELECT {} FROM kv_snapshots ORDER BY last_used, id", kColumns));
  if (!st) return st.error();
  std::vector<SnapshotInfo> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_info(*st));
  }
}

Result<int64_t> SnapshotStore::total_bytes() {
  return db_->query_int64("SELECT coalesce(sum(bytes), 0) FROM kv_snapshots");
}

Result<void> SnapshotStore::remove(int64_t id) {
  auto st = db_->prepare("DELETE FROM kv_snapshots WHERE id = ? RETURNING file_name");
  if (!st) return st.error();
  auto row = st->bind(1, id).step();
  if (!row) return row.error();
  if (!*row) return {};
  const std::string name(st->column_text(0));
  if (auto ok = st->run(); !ok) return ok.error();
  std::error_code ec;
  fs::remove(dir_ / name, ec);
  return {};
}

Result<int> SnapshotStore::evict_to(int64_t cap, int64_t keep_id) {
  int removed = 0;
  for (;;) {
    auto total = total_bytes();
    if (!total) return total.error();
    if (*total <= cap) return removed;
    auto victim = db_->prepare(
        "SELECT id FROM kv_snapshots WHERE id != ? ORDER BY last_used, id LIMIT 1");
    if (!victim) return victim.error();
    auto row = victim->bind(1, keep_id).step();
    if (!row) return row.error();
    if (!*row) return removed;  // only keep_id is left; it alone exceeds the cap
    if (auto ok = remove(victim->column_int64(0)); !ok) return ok.error();
    ++removed;
  }
}

Result<SweepReport> SnapshotStore::sweep() {
  SweepReport report;
  // Under the write lock no writer is between publishing a file and committing its row.
  auto tx = db_->begin();
  if (!tx) return tx.error();
  auto rows = list();
  if (!rows) return rows.error();
  std::vector<std::string> known;
  for (const SnapshotInfo& info : *rows) {
    std::error_code ec;
    if (!fs::exists(dir_ / info.file_name, ec)) {
      auto del = db_->prepare("DELETE FROM kv_snapshots WHERE id = ? AND file_name = ?");
      if (!del) return del.error();
      if (auto ok = del->bind(1, info.id).bind(2, info.file_name).run(); !ok) return ok.error();
      ++report.missing_files;
    } else {
      known.push_back(info.file_name);
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kTempPrefix)) {
      // ".tmp-<pid>-<rand>": only a dead writer's temp file is stale.
      const long pid = std::strtol(name.c_str() + kTempPrefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        std::error_code rm;
        if (fs::remove(entry.path(), rm)) ++report.stale_temps;
      }
    } else if (name.ends_with(kSuffix) &&
               std::find(known.begin(), known.end(), name) == known.end()) {
      std::error_code rm;
      if (fs::remove(entry.path(), rm)) ++report.orphan_files;
    }
  }
  if (ec) return make_error(Errc::io_error, "cannot list {}: {}", dir_.string(), ec.message());
  if (auto ok = tx->commit(); !ok) return ok.error();
  return report;
}

}  // namespace quire::app
