#include "app/io/npy.h"

#include <fmt/format.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <string>

namespace quire::app {

static_assert(std::endian::native == std::endian::little, "the .npy data is written as-is");

namespace {

Result<void> write_npy(const std::filesystem::path& path, const char* descr, const void* data,
                       size_t n_values, size_t value_bytes, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  std::string dims;
  for (int64_t d : shape) {
    count *= d;
    dims += fmt::format("{}, ", d);
  }
  if (count != static_cast<int64_t>(n_values)) {
    return make_error(Errc::invalid_argument, "{}: shape holds {} values but there are {}",
                      path.string(), count, n_values);
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(3,)" for 1-D, "(3, 4)" otherwise
  std::string header = fmt::format(
      "{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
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
  out.write(static_cast<const char*>(data),
            static_cast<std::streamsize>(n_values * value_bytes));
  out.close();
  if (!out) {
    return make_error(Errc::io_error, "{}: writing failed (disk full?)", path.string());
  }
  return {};
}

}  // namespace

Result<void> write_npy_f32(const std::filesystem::path& path, std::span<const float> data,
                           const std::vector<int64_t>& shape) {
  return write_npy(path, "<f4", data.data(), data.size(), sizeof(float), shape);
}

Result<void> write_npy_f64(const std::filesystem::path& path, std::span<const double> data,
                           const std::vector<int64_t>& shape) {
  return write_npy(path, "<f8", data.data(), data.size(), sizeof(double), shape);
}

// --- reading -----------------------------------------------------------------------------------

namespace {

constexpr int64_t kMaxNpyValues = int64_t(1) << 40;

// A cursor over the header dict text; every read is bounds-checked.
struct HeaderText {
  std::string_view s;
  size_t i = 0;

  void skip_space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  }
  bool eat(char c) {
    skip_space();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool string(std::string& out) {
    skip_space();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) return false;
    const char quote = s[i++];
    const size_t end = s.find(quote, i);
    if (end == std::string_view::npos) return false;
    out.assign(s.substr(i, end - i));
    i = end + 1;
    return true;
  }
  bool word(std::string_view w) {
    skip_space();
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  }
  bool integer(int64_t& out) {
    skip_space();
    const size_t start = i;
    out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (out > kMaxNpyValues) return false;
      out = out * 10 + (s[i++] - '0');
    }
    return i > start;
  }
};

// Parses "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" (keys in any order).
// Returns "" or what is wrong.
std::string parse_header(std::string_view text, std::string& descr, bool& fortran,
                         std::vector<int64_t>& shape) {
  HeaderText h{text};
  if (!h.eat('{')) return "the header is not a dict";
  bool has_descr = false, has_fortran = false, has_shape = false;
  while (!h.eat('}')) {
    std::string key;
    if (!h.string(key) || !h.eat(':')) return "the header dict has a malformed key";
    if (key == "descr" && !has_descr) {
      if (!h.string(descr)) return "'descr' is not a string";
      has_descr = true;
    } else if (key == "fortran_order" && !has_fortran) {
      if (h.word("True")) {
        fortran = true;
      } else if (h.word("False")) {
        fortran = false;
      } else {
        return "'fortran_order' is not True or False";
      }
      has_fortran = true;
    } else if (key == "shape" && !has_shape) {
      if (!h.eat('(')) return "'shape' is not a tuple";
      while (!h.eat(')')) {
        int64_t d = 0;
        if (!h.integer(d)) return "'shape' holds something other than non-negative integers";
        shape.push_back(d);
        if (!h.eat(',') && !(h.skip_space(), h.i < h.s.size() && h.s[h.i] == ')')) {
          return "'shape' is not a comma-separated tuple";
        }
        if (shape.size() > 32) return "'shape' has more than 32 dimensions";
      }
      has_shape = true;
    } else {
      return fmt::format("unexpected or repeated header key '{}'", key);
    }
    if (!h.eat(',') && !(h.skip_space(), h.i < h.s.size() && h.s[h.i] == '}')) {
      return "the header dict entries are not comma-separated";
    }
  }
  h.skip_space();
  if (h.i != h.s.size()) return "text follows the header dict";
  if (!has_descr || !has_fortran || !has_shape) {
    return "the header lacks 'descr', 'fortran_order' or 'shape'";
  }
  return "";
}

}  // namespace

Result<NpyArray> read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const Errc code = errno == EACCES ? Errc::permission_denied : Errc::not_found;
    return make_error(code, "{}: cannot open the file: {}", path.string(), std::strerror(errno));
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto corrupt = [&](std::string_view what) {
    return make_error(Errc::corrupt_data, "{}: not a valid .npy file: {}; save it again with "
                      "numpy.save", path.string(), what);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    return corrupt("the magic \\x93NUMPY is missing");
  }
  const auto major = static_cast<uint8_t>(bytes[6]);
  if (major < 1 || major > 3) return corrupt(fmt::format("format version {} is unknown", major));
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) return corrupt("the header length is cut off");
  size_t header_len = 0;
  for (size_t b = 0; b < len_bytes; ++b) {
    header_len |= size_t(static_cast<uint8_t>(bytes[8 + b])) << (8 * b);
  }
  const size_t data_start = 8 + len_bytes + header_len;
  if (data_start > bytes.size()) {
    return corrupt(fmt::format("the header ({} bytes) runs past the end of the file", header_len));
  }
  std::string descr;
  bool fortran = false;
  NpyArray arr;
  const std::string err = parse_header(
      std::string_view(bytes).substr(8 + len_bytes, header_len), descr, fortran, arr.shape);
  if (!err.empty()) return corrupt(err);
  if (descr != "<f4" && descr != "<f8") {
    return make_error(Errc::unsupported,
                      "{}: dtype '{}' is not supported; save little-endian float32 ('<f4') or "
                      "float64 ('<f8')", path.string(), descr);
  }
  if (fortran) {
    return make_error(Errc::unsupported,
                      "{}: the array is in Fortran order; save a C-order array "
                      "(numpy.ascontiguousarray)", path.string());
  }
  arr.is_f64 = descr == "<f8";
  int64_t count = 1;
  for (int64_t d : arr.shape) {
    if (d != 0 && count > kMaxNpyValues / d) return corrupt("the shape holds too many values");
    count *= d;
  }
  const size_t item = arr.is_f64 ? 8 : 4;
  const size_t have = bytes.size() - data_start;
  if (have != size_t(count) * item) {
    return corrupt(fmt::format("the shape needs {} data bytes but the file has {}",
                               size_t(count) * item, have));
  }
  arr.values.resize(size_t(count));
  const char* data = bytes.data() + data_start;
  for (size_t i = 0; i < size_t(count); ++i) {
    if (arr.is_f64) {
      std::memcpy(&arr.values[i], data + i * 8, 8);
    } else {
      float f;
      std::memcpy(&f, data + i * 4, 4);
      arr.values[i] = f;
    }
  }
  return arr;
}

}  // namespace quire::app
