#include "app/store/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/base/progress.h"

namespace quire::app {
namespace {

// Closes an fd on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Error file_error(int err, std::string_view what, const std::filesystem::path& path) {
  const Errc code = errc_from_errno(err);
  return make_error(code, "{} {}: {}{}", what, path.string(), std::strerror(err),
                    code == Errc::no_space ? "; free some disk space or lower the snapshot cap" : "");
}

}  // namespace

Errc errc_from_errno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return Errc::no_space;
    case ENOENT: return Errc::not_found;
    case EACCES:
    case EPERM:
    case EROFS: return Errc::permission_denied;
    default: return Errc::io_error;
  }
}

Result<void> write_temp_durably(const std::filesystem::path& temp, const ChunkSource& next,
                                std::stop_token stop) {
  Fd f{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (f.fd < 0) return file_error(errno, "cannot create", temp);
  auto fail = [&](Error e) -> Result<void> {
    ::close(f.fd);
    f.fd = -1;
    ::unlink(temp.c_str());
    return e;
  };
  constexpr size_t kChunk = size_t{1} << 22;
  for (;;) {
    auto chunk = next();
    if (!chunk) return fail(chunk.error());
    std::span<const std::byte> part = *chunk;
    if (part.empty()) break;
    while (!part.empty()) {
      if (stop.stop_requested()) return fail(cancelled_error("writing " + temp.string()));
      const ssize_t n = ::write(f.fd, part.data(), std::min(part.size(), kChunk));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(file_error(errno, "cannot write", temp));
      }
      part = part.subspan(static_cast<size_t>(n));
    }
  }
  if (::fsync(f.fd) != 0) return fail(file_error(errno, "cannot flush", temp));
  if (::close(f.fd) != 0) {
    f.fd = -1;
    const int err = errno;
    ::unlink(temp.c_str());
    return file_error(err, "cannot close", temp);
  }
  f.fd = -1;
  return {};
}

Result<void> publish_durably(const std::filesystem::path& temp,
                             const std::filesystem::path& target) {
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return file_error(err, "cannot rename to", target);
  }
  return sync_dir(target.parent_path());
}

Result<void> sync_dir(const std::filesystem::path& dir) {
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return file_error(errno, "cannot open folder", dir);
  if (::fsync(d.fd) != 0 && errno != EINVAL) return file_error(errno, "cannot flush folder", dir);
  return {};
}

Result<std::vector<std::byte>> read_whole_file(const std::filesystem::path& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return file_error(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return file_error(errno, "cannot stat", path);
  std::vector<std::byte> out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error(errno, "cannot read", path);
    }
    if (n == 0) break;  // shrank while reading: the caller's size check reports it
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace quire::app
