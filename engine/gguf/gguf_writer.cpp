#include "engine/gguf/gguf_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace quire::gguf {

namespace {

constexpr uint64_t kGgufDefaultAlignment = 32;

class ByteSink {
 public:
  void uint(uint64_t x, int width) {
    for (int i = 0; i < width; ++i) out_.push_back(static_cast<uint8_t>(x >> (8 * i)));
  }
  void str(const std::string& s) {
    uint(s.size(), 8);
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void bytes(const std::vector<uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void pad_to(uint64_t alignment) {
    while (out_.size() % alignment != 0) out_.push_back(0);
  }
  // Writes `v`'s payload (no type id: the caller wrote it, once per key or once per array).
  void value(const Value& v) {
    switch (v.type()) {
      case ValueType::u8: uint(*v.as_uint(), 1); break;
      case ValueType::u16: uint(*v.as_uint(), 2); break;
      case ValueType::u32: uint(*v.as_uint(), 4); break;
      case ValueType::u64: uint(*v.as_uint(), 8); break;
      case ValueType::i8: uint(static_cast<uint64_t>(*v.as_int()), 1); break;
      case ValueType::i16: uint(static_cast<uint64_t>(*v.as_int()), 2); break;
      case ValueType::i32: uint(static_cast<uint64_t>(*v.as_int()), 4); break;
      case ValueType::i64: uint(static_cast<uint64_t>(*v.as_int()), 8); break;
      case ValueType::f32: uint(std::bit_cast<uint32_t>(static_cast<float>(*v.as_float())), 4); break;
      case ValueType::f64: uint(std::bit_cast<uint64_t>(*v.as_float()), 8); break;
      case ValueType::boolean: uint(*v.as_bool() ? 1 : 0, 1); break;
      case ValueType::string: str(*v.as_string()); break;
      case ValueType::array: {
        const Array& a = *v.as_array();
        uint(static_cast<uint32_t>(a.type), 4);
        uint(a.items.size(), 8);
        for (const Value& item : a.items) value(item);
        break;
      }
    }
  }
  std::vector<uint8_t>& out() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

Error write_error(const std::filesystem::path& path, std::string_view step, int err) {
  const Errc code = err == ENOSPC || err == EDQUOT ? Errc::no_space
                    : err == EACCES || err == EPERM || err == EROFS ? Errc::permission_denied
                                                                    : Errc::io_error;
  return make_error(code, "{}: cannot {} the file: {}; check the folder's permissions and free "
                    "space", path.string(), step, std::strerror(err));
}

}  // namespace

Writer::Writer(uint32_t alignment) : alignment_(alignment) {
  if (alignment < 8 || alignment > (1u << 20) || (alignment & (alignment - 1)) != 0) {
    throw std::invalid_argument("gguf::Writer: alignment must be a power of two from 8 to 2^20");
  }
}

void Writer::set(std::string key, Value v) {
  if (key == "general.alignment") {
    throw std::invalid_argument("gguf::Writer: pass the alignment to the constructor instead");
  }
  for (auto& [k, existing] : metadata_) {
    if (k == key) {
      existing = std::move(v);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(v));
}

void Writer::add_tensor(std::string name, kern::DType type, std::vector<int64_t> shape,
                        std::vector<uint8_t> data) {
  for (const Tensor& t : tensors_) {
    if (t.name == name) throw std::invalid_argument("gguf::Writer: duplicate tensor " + name);
  }
  const kern::DTypeInfo& info = kern::dtype_info(type);
  if (shape.empty() || shape.size() > 4) {
    throw std::invalid_argument("gguf::Writer: a tensor has 1 to 4 dimensions: " + name);
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 1) throw std::invalid_argument("gguf::Writer: a dimension below 1: " + name);
    n *= d;
  }
  if (shape[0] % info.block_elems != 0 ||
      static_cast<int64_t>(data.size()) != kern::row_bytes(type, shape[0]) * (n / shape[0])) {
    throw std::invalid_argument("gguf::Writer: data does not match shape and type: " + name);
  }
  tensors_.push_back(Tensor{std::move(name), type, std::move(shape), std::move(data)});
}

std::vector<uint8_t> Writer::to_bytes() const {
  ByteSink s;
  s.uint(0x46554747u, 4);  // "GGUF" read as a little-endian u32
  s.uint(3, 4);
  s.uint(tensors_.size(), 8);
  const bool own_alignment = alignment_ != kGgufDefaultAlignment;
  s.uint(metadata_.size() + (own_alignment ? 1 : 0), 8);
  if (own_alignment) {
    s.str("general.alignment");
    s.uint(static_cast<uint32_t>(ValueType::u32), 4);
    s.uint(alignment_, 4);
  }
  for (const auto& [key, v] : metadata_) {
    s.str(key);
    s.uint(static_cast<uint32_t>(v.type()), 4);
    s.value(v);
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    s.str(t.name);
    s.uint(t.shape.size(), 4);
    for (int64_t d : t.shape) s.uint(static_cast<uint64_t>(d), 8);
    s.uint(static_cast<uint32_t>(t.type), 4);
    s.uint(offset, 8);
    offset += (t.data.size() + alignment_ - 1) / alignment_ * alignment_;
  }
  s.pad_to(alignment_);
  for (const Tensor& t : tensors_) {
    s.bytes(t.data);
    s.pad_to(alignment_);
  }
  return std::move(s.out());
}

Result<void> Writer::write(const std::filesystem::path& path) const {
  const std::vector<uint8_t> bytes = to_bytes();
  std::string tmp = path.string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return write_error(path, "create", errno);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return write_error(path, "write", err);
    }
    done += static_cast<size_t>(n);
  }
  // mkstemp creates 0600; a model file is readable like other data files (umask is not
  // queried: reading it means setting it, which races with other threads).
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return write_error(path, "write", err);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return write_error(path, "write", err);
  }
  return {};
}

}  // namespace quire::gguf
