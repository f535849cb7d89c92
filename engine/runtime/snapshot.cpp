#include "engine/runtime/snapshot.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <streambuf>
#include <system_error>

#include "engine/gguf/mapped_file.h"

namespace quire::engine {
namespace {

constexpr std::array<char, 8> kMagic = {'Q', 'U', 'I', 'R', 'E', 'S', 'N', 'P'};
// magic, version, header_bytes, n_tokens, prefix hash, payload bytes, payload checksum.
constexpr size_t kFixedHeader = 8 + 4 + 4 + 8 + 8 + 8 + 8;
// Fingerprints are short text; a longer length field is damage, not a real fingerprint.
constexpr uint32_t kMaxFingerprint = 4096;
constexpr uint32_t kMaxSamplerState = 1 << 20;

struct XxhFree {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using XxhState = std::unique_ptr<XXH3_state_t, XxhFree>;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Bounds-checked little-endian reads over a byte span; any read past the end sets failed().
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool failed() const { return failed_; }
  size_t pos() const { return pos_; }
  uint64_t uint(int n) {
    if (!take(size_t(n))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(bytes_[pos_ - size_t(n) + size_t(i)]) << (8 * i);
    return v;
  }
  std::string str(uint32_t max_len) {
    const auto n = static_cast<uint32_t>(uint(4));
    if (n > max_len || !take(n)) {
      failed_ = true;
      return {};
    }
    return {reinterpret_cast<const char*>(bytes_.data() + pos_ - n), n};
  }
  std::span<const uint8_t> span(size_t n) {
    if (!take(n)) return {};
    return bytes_.subspan(pos_ - n, n);
  }

 private:
  bool take(size_t n) {
    if (failed_ || n > bytes_.size() - pos_) {
      failed_ = true;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// A read-only istream source over memory (the mapped payload) for KvCache::load.
class MemoryBuf : public std::streambuf {
 public:
  explicit MemoryBuf(std::span<const uint8_t> bytes) {
    // streambuf's get area is char*; it is only read, never written through.
    char* begin = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
    setg(begin, begin, begin + bytes.size());
  }
};

Error io_failure(const std::filesystem::path& path, int err, std::string_view what) {
  const Errc code = err == ENOSPC || err == EDQUOT ? Errc::no_space
                    : err == EACCES || err == EPERM ? Errc::permission_denied
                                                    : Errc::io_error;
  return make_error(code, "{}: cannot {} the snapshot ({}); check the disk and its permissions",
                    path.string(), what, std::generic_category().message(err));
}

// An ostream sink that writes to a file descriptor and hashes every byte it writes.
class HashingFileBuf : public std::streambuf {
 public:
  HashingFileBuf(int fd, XXH3_state_t* state) : fd_(fd), state_(state) {
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  int error() const { return error_; }
  uint64_t bytes() const { return bytes_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const size_t n = static_cast<size_t>(pptr() - pbase());
    if (error_ != 0) return false;
    XXH3_64bits_update(state_, pbase(), n);
    size_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd_, pbase() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        return false;
      }
      done += size_t(w);
    }
    bytes_ += n;
    setp(buf_.data(), buf_.data() + buf_.size());
    return true;
  }
  int fd_;
  XXH3_state_t* state_;
  std::array<char, 1 << 16> buf_{};
  uint64_t bytes_ = 0;
  int error_ = 0;
};

std::string encode_header(const SnapshotInfo& info) {
  std::string h;
  h.append(kMagic.data(), kMagic.size());
  put_u32(h, kSnapshotVersion);
  const size_t total = kFixedHeader + 4 + info.model_fingerprint.size() + 4 +
                       info.config_fingerprint.size() + 8;
  put_u32(h, static_cast<uint32_t>(total));
  put_u64(h, info.n_tokens);
  put_u64(h, info.token_prefix_hash);
  put_u64(h, info.payload_bytes);
  put_u64(h, info.payload_checksum);
  put_str(h, info.model_fingerprint);
  put_str(h, info.config_fingerprint);
  put_u64(h, XXH3_64bits(h.data(), h.size()));
  return h;
}

// Writes the payload through `buf`: tokens, logits, sampler state, KV cache.
Result<void> write_payload(const Session& session, std::ostream& out) {
  std::string head;
  head.reserve(session.tokens().size() * 4 + session.logits().size() * 4 + 64);
  for (int32_t t : session.tokens()) put_u32(head, static_cast<uint32_t>(t));
  put_u32(head, static_cast<uint32_t>(session.logits().size()));
  for (float f : session.logits()) put_u32(head, std::bit_cast<uint32_t>(f));
  put_str(head, session.sampler().save_state());
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  if (auto saved = session.cache().save(out); !saved) return saved;
  return session.forward().save_attention(out);
}

// 0 on success, else the errno of the failed write.
int write_all_at(int fd, const std::string& bytes, off_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                               offset + static_cast<off_t>(done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    done += size_t(w);
  }
  return 0;
}

// Parses and checks the header of `bytes` (the whole file). On success the payload is
// bytes[header_bytes, end).
Result<SnapshotInfo> parse_header(std::span<const uint8_t> bytes, const std::string& name,
                                  size_t& header_bytes) {
  const auto damaged = [&](std::string_view why) {
    return make_error(Errc::corrupt_data,
                      "{}: not a usable Quire snapshot ({}); delete it, the prefill will be "
                      "redone",
                      name, why);
  };
  if (bytes.size() < kFixedHeader ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    return damaged("no snapshot header");
  }
  ByteReader r(bytes.subspan(kMagic.size()));
  const auto version = static_cast<uint32_t>(r.uint(4));
  if (version < kSnapshotMinVersion || version > kSnapshotVersion) {
    return make_error(Errc::unsupported,
                      "{}: snapshot format version {}, this Quire reads versions {} to {}; the "
                      "prefill will be redone",
                      name, version, kSnapshotMinVersion, kSnapshotVersion);
  }
  header_bytes = static_cast<size_t>(r.uint(4));
  if (header_bytes < kFixedHeader + 16 || header_bytes > bytes.size() ||
      header_bytes > kFixedHeader + 16 + 2 * size_t(kMaxFingerprint)) {
    return damaged("header size out of range");
  }
  const uint64_t stored = ByteReader(bytes.subspan(header_bytes - 8, 8)).uint(8);
  if (XXH3_64bits(bytes.data(), header_bytes - 8) != stored) {
    return damaged("header checksum mismatch");
  }
  SnapshotInfo info;
  info.version = version;
  info.n_tokens = r.uint(8);
  info.token_prefix_hash = r.uint(8);
  info.payload_bytes = r.uint(8);
  info.payload_checksum = r.uint(8);
  info.model_fingerprint = r.str(kMaxFingerprint);
  info.config_fingerprint = r.str(kMaxFingerprint);
  info.file_bytes = bytes.size();
  if (r.failed() || kMagic.size() + r.pos() + 8 != header_bytes) {
    return damaged("inconsistent header fields");
  }
  if (info.payload_bytes != bytes.size() - header_bytes) {
    return damaged(fmt::format("the header announces {} payload bytes, the file holds {}",
                               info.payload_bytes, bytes.size() - header_bytes));
  }
  if (info.n_tokens > info.payload_bytes / 4) return damaged("token count out of range");
  return info;
}

}  // namespace

uint64_t token_prefix_hash(std::span<const int32_t> tokens) {
  std::string le;
  le.reserve(tokens.size() * 4);
  for (int32_t t : tokens) put_u32(le, static_cast<uint32_t>(t));
  return XXH3_64bits(le.data(), le.size());
}

Result<SnapshotInfo> save_snapshot(const Session& session, const std::filesystem::path& path) {
  const std::filesystem::path partial = path.string() + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_failure(partial, errno, "create");
  const auto fail = [&](int err, std::string_view what) {
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return io_failure(partial, err, what);
  };

  SnapshotInfo info;
  info.model_fingerprint = session.model().fingerprint();
  info.config_fingerprint = config_fingerprint(session.config());
  info.n_tokens = session.tokens().size();
  info.token_prefix_hash = token_prefix_hash(session.tokens());
  const std::string placeholder = encode_header(info);  // same size as the final header
  if (const int err = write_all_at(fd, placeholder, 0); err != 0) return fail(err, "write");
  if (::lseek(fd, static_cast<off_t>(placeholder.size()), SEEK_SET) < 0) {
    return fail(errno, "write");
  }

  XxhState state(XXH3_createState());
  if (!state || XXH3_64bits_reset(state.get()) != XXH_OK) return fail(ENOMEM, "hash");
  HashingFileBuf buf(fd, state.get());
  std::ostream out(&buf);
  if (auto saved = write_payload(session, out); !saved) {
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return saved.error();
  }
  out.flush();
  if (!out || buf.error() != 0) return fail(buf.error() != 0 ? buf.error() : EIO, "write");

  info.payload_bytes = buf.bytes();
  info.payload_checksum = XXH3_64bits_digest(state.get());
  const std::string header = encode_header(info);
  if (const int err = write_all_at(fd, header, 0); err != 0) return fail(err, "write");
  if (::fsync(fd) != 0) return fail(errno, "sync");
  if (::close(fd) != 0) {
    const int err = errno;
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return io_failure(partial, err, "close");
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    return io_failure(path, err, "rename");
  }
  // Make the rename itself durable.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  info.file_bytes = header.size() + info.payload_bytes;
  return info;
}

Result<SnapshotInfo> read_snapshot_info(const std::filesystem::path& path) {
  auto file = gguf::MappedFile::open(path);
  if (!file) return file.error();
  size_t header_bytes = 0;
  return parse_header(file->bytes(), path.string(), header_bytes);
}

Result<SnapshotInfo> load_snapshot(Session& session, const std::filesystem::path& path) {
  auto file = gguf::MappedFile::open(path);
  if (!file) return file.error();
  return load_snapshot(session, file->bytes(), path.string());
}

Result<SnapshotInfo> load_snapshot(Session& session, std::span<const uint8_t> bytes,
                                   const std::string& name) {
  size_t header_bytes = 0;
  auto parsed = parse_header(bytes, name, header_bytes);
  if (!parsed) return parsed.error();
  const SnapshotInfo& info = *parsed;

  const std::string model_fp = session.model().fingerprint();
  if (info.model_fingerprint != model_fp) {
    return make_error(Errc::mismatch,
                      "{}: snapshot was made with model {}, this is model {}: the prefill will "
                      "be redone",
                      name, info.model_fingerprint, model_fp);
  }
  const std::string config_fp = config_fingerprint(session.config());
  if (info.config_fingerprint != config_fp) {
    return make_error(Errc::mismatch,
                      "{}: snapshot was made with settings '{}', this session uses '{}': the "
                      "prefill will be redone",
                      name, info.config_fingerprint, config_fp);
  }
  if (info.n_tokens > uint64_t(session.config().n_ctx)) {
    return make_error(Errc::context_overflow,
                      "{}: snapshot holds {} tokens, the session's context is {}; open it with "
                      "a context of at least {}",
                      name, info.n_tokens, session.config().n_ctx, info.n_tokens);
  }
  const std::span<const uint8_t> payload = bytes.subspan(header_bytes);
  const auto damaged = [&](std::string_view why) {
    return make_error(Errc::corrupt_data,
                      "{}: damaged snapshot ({}); delete it, the prefill will be redone", name,
                      why);
  };
  if (XXH3_64bits(payload.data(), payload.size()) != info.payload_checksum) {
    return damaged("payload checksum mismatch");
  }

  ByteReader r(payload);
  std::vector<int32_t> tokens(info.n_tokens);
  for (auto& t : tokens) t = static_cast<int32_t>(static_cast<uint32_t>(r.uint(4)));
  const auto n_logits = static_cast<uint32_t>(r.uint(4));
  if (r.failed() || n_logits > (payload.size() - r.pos()) / 4) return damaged("logit count");
  std::vector<float> logits(n_logits);
  for (auto& f : logits) f = std::bit_cast<float>(static_cast<uint32_t>(r.uint(4)));
  const std::string sampler_state = r.str(kMaxSamplerState);
  if (r.failed()) return damaged("sampler state");
  if (token_prefix_hash(tokens) != info.token_prefix_hash) return damaged("token hash");

  // Everything checkable without touching the session has passed; from here a failure clears it.
  MemoryBuf kv_buf(payload.subspan(r.pos()));
  std::istream kv_in(&kv_buf);
  if (auto loaded = session.mutable_cache().load(kv_in); !loaded) {
    session.clear();
    return damaged(loaded.error().message);
  }
  if (info.version >= 2) {
    if (auto loaded = session.mutable_forward().load_attention(kv_in, session.cache()); !loaded) {
      session.clear();
      return damaged(loaded.error().message);
    }
  } else {
    session.mutable_forward().reset_attention();
  }
  if (kv_in.peek() != std::char_traits<char>::eof()) {
    session.clear();
    return damaged("bytes after the attention state");
  }
  if (auto restored = session.restore(std::move(tokens), std::move(logits), sampler_state);
      !restored) {
    return damaged(restored.error().message);
  }
  return info;
}

}  // namespace quire::engine
