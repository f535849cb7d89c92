#include "app/io/npy.h"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace quire::app {

static_assert(std::endian::native == std::endian::little, "the .npy data is written as-is");

Result<void> write_npy_f32(const std::filesystem::path& path, std::span<const float> data,
                           const std::vector<int64_t>& shape) {
  int64_t count = 1;
  std::string dims;
  for (int64_t d : shape) {
    count *= d;
    dims += fmt::format("{}, ", d);
  }
  if (count != static_cast<int64_t>(data.size())) {
    return make_error(Errc::invalid_argument, "{}: shape holds {} values but there are {}",
                      path.string(), count, data.size());
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(3,)" for 1-D, "(3, 4)" otherwise
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}",
                                   dims);
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  const size_t total = (10 + header.size() + 1 + 63) / 64 * 64;
  header.append(total - 10 - header.size() - 1, ' ');
  header += '\n';
  const uint16_t len = static_cast<uint16_t>(header.size());

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return make_error(errno == EACCES ? Errc::permission_denied : Errc::io_error,
                      "{}: cannot create the file: {}", path.string(), std::strerror(errno));
  }
  out.write("\x93NUMPY\x01\x00", 8);
  const char len_bytes[2] = {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(float)));
  out.close();
  if (!out) {
    return make_error(Errc::io_error, "{}: writing failed (disk full?)", path.string());
  }
  return {};
}

}  // namespace quire::app
