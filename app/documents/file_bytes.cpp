#include "app/documents/file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

namespace quire::app {
namespace fs = std::filesystem;

std::string format_bytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30)) return fmt::format("{:.1f} GiB", double(bytes) / (1 << 30));
  if (bytes >= (int64_t{1} << 20)) return fmt::format("{:.1f} MiB", double(bytes) / (1 << 20));
  if (bytes >= (int64_t{1} << 10)) return fmt::format("{:.1f} KiB", double(bytes) / (1 << 10));
  return fmt::format("{} bytes", bytes);
}

Result<std::string> read_file_bytes(const fs::path& path, int64_t max_bytes) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return make_error(Errc::not_found, "{}: no such file; check the path", path.string());
  }
  if (fs::is_directory(st)) {
    return make_error(Errc::invalid_argument, "{}: is a folder, not a file", path.string());
  }
  if (!fs::is_regular_file(st)) {
    return make_error(Errc::invalid_argument, "{}: not a regular file (a device, pipe or socket)",
                      path.string());
  }
  const auto size = fs::file_size(path, ec);
  if (ec) return make_error(Errc::io_error, "{}: cannot read its size: {}", path.string(), ec.message());
  if (int64_t(size) > max_bytes) {
    return make_error(Errc::unsupported,
                      "{}: the file is {}, larger than the {} limit for one document; split it "
                      "or raise the limit",
                      path.string(), format_bytes(int64_t(size)), format_bytes(max_bytes));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return make_error(Errc::permission_denied, "{}: permission denied; check its permissions",
                        path.string());
    }
    return make_error(Errc::io_error, "{}: cannot open: {}", path.string(), std::strerror(err));
  }
  std::string bytes;
  bytes.resize(size);
  const size_t got = size ? std::fread(bytes.data(), 1, size, file.get()) : 0;
  if (got != size) {
    // A file that shrank while read, or a read error: report rather than return a cut file.
    return make_error(Errc::io_error, "{}: read {} of {} bytes; the file changed or the disk failed",
                      path.string(), got, size);
  }
  return bytes;
}

}  // namespace quire::app
