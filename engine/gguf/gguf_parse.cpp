// File::parse: the GGUF validator. Reads front to back with a cursor that checks every read
// against the bytes left; every count is compared with what the remaining bytes could hold
// before anything is reserved, so a hostile count (2^60 items) fails at once instead of
// allocating. Limits below are far above anything a real model uses and exist to bound memory
// and recursion for hostile input.
#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

#include "engine/gguf/gguf.h"

namespace quire::gguf {

namespace {

constexpr uint32_t kMaxArrayDepth = 8;             // arrays of arrays of ... at most this deep
constexpr uint64_t kMaxNameBytes = 65535;          // keys and tensor names (the spec's limit)
constexpr uint64_t kMaxMetadataValues = 1u << 22;  // all values and items (vocabs: ~1M)
constexpr uint64_t kMinAlignment = 8;              // the spec: a multiple of 8
constexpr uint64_t kMaxAlignment = 1u << 20;
constexpr uint32_t kMaxDims = 4;                   // GGML_MAX_DIMS
constexpr int64_t kMaxElements = int64_t{1} << 60;  // keeps n_bytes (<= 4 per element) in range

constexpr std::string_view kTruncatedHint = "the file is truncated, download or copy it again";
constexpr std::string_view kDamagedHint =
    "the file is damaged or not a model; download or convert it again";

// Smallest encoding of one item of `type`: bounds how many items the remaining bytes can hold.
uint64_t min_encoded_bytes(ValueType type) {
  switch (type) {
    case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
    case ValueType::u16: case ValueType::i16: return 2;
    case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
    case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
    case ValueType::string: return 8;   // the length
    case ValueType::array: return 12;   // element type + count
  }
  return 1;
}

int scalar_width(ValueType type) { return static_cast<int>(min_encoded_bytes(type)); }

Value make_scalar(ValueType type, uint64_t raw) {
  switch (type) {
    case ValueType::u8: return Value::u8(static_cast<uint8_t>(raw));
    case ValueType::i8: return Value::i8(static_cast<int8_t>(static_cast<uint8_t>(raw)));
    case ValueType::u16: return Value::u16(static_cast<uint16_t>(raw));
    case ValueType::i16: return Value::i16(static_cast<int16_t>(static_cast<uint16_t>(raw)));
    case ValueType::u32: return Value::u32(static_cast<uint32_t>(raw));
    case ValueType::i32: return Value::i32(static_cast<int32_t>(static_cast<uint32_t>(raw)));
    case ValueType::u64: return Value::u64(raw);
    case ValueType::i64: return Value::i64(static_cast<int64_t>(raw));
    case ValueType::f32: return Value::f32(std::bit_cast<float>(static_cast<uint32_t>(raw)));
    case ValueType::f64: return Value::f64(std::bit_cast<double>(raw));
    default: return Value::boolean(raw != 0);  // only boolean reaches here (checked 0/1)
  }
}

}  // namespace

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  Result<void> run(File& file) {
    if (auto r = read_header(file); !r) return r;
    if (auto r = read_metadata(file); !r) return r;
    if (auto r = read_alignment(file); !r) return r;
    if (auto r = read_tensor_infos(file); !r) return r;
    return check_tensor_layout(file);
  }

 private:
  uint64_t remaining() const { return bytes_.size() - pos_; }

  Error truncated(std::string_view what, std::string_view owner) const {
    return make_error(Errc::corrupt_data,
                      "{}: the file ends ({} bytes) while reading {}{}{}{} at offset {}; {}",
                      name_, bytes_.size(), what, owner.empty() ? "" : " of '", owner,
                      owner.empty() ? "" : "'", pos_,
                      kTruncatedHint);
  }

  // Little-endian unsigned integer of `width` bytes (1, 2, 4 or 8).
  Result<uint64_t> read_raw(int width, std::string_view what, std::string_view owner) {
    if (remaining() < static_cast<uint64_t>(width)) return truncated(what, owner);
    uint64_t raw = 0;
    for (int i = 0; i < width; ++i) raw |= uint64_t{bytes_[pos_ + i]} << (8 * i);
    pos_ += static_cast<size_t>(width);
    return raw;
  }
  Result<uint32_t> read_u32(std::string_view what, std::string_view owner) {
    auto r = read_raw(4, what, owner);
    if (!r) return r.error();
    return static_cast<uint32_t>(*r);
  }

  Result<std::string> read_string(std::string_view what, std::string_view owner,
                                  uint64_t max_bytes) {
    const size_t at = pos_;
    auto len = read_raw(8, what, owner);
    if (!len) return len.error();
    if (*len > max_bytes) {
      return make_error(Errc::corrupt_data,
                        "{}: {}{}{}{} at offset {} claims {} bytes, more than the limit of {}; {}",
                        name_, what, owner.empty() ? "" : " of '", owner,
                        owner.empty() ? "" : "'", at, *len, max_bytes,
                        kDamagedHint);
    }
    if (*len > remaining()) return truncated(what, owner);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<size_t>(*len));
    pos_ += static_cast<size_t>(*len);
    return s;
  }

  Result<void> read_header(File& file) {
    if (bytes_.size() < 4) {
      return make_error(Errc::corrupt_data, "{}: not a GGUF file (only {} bytes); {}", name_,
                        bytes_.size(), kDamagedHint);
    }
    if (std::string_view(reinterpret_cast<const char*>(bytes_.data()), 4) != "GGUF") {
      return make_error(Errc::corrupt_data,
                        "{}: not a GGUF file (it does not start with 'GGUF'); choose a .gguf "
                        "model file",
                        name_);
    }
    pos_ = 4;
    auto version = read_u32("the version", "");
    if (!version) return version.error();
    if (*version == 1) {
      return make_error(Errc::unsupported,
                        "{}: GGUF version 1 (the 2023 pre-release format) is not supported; "
                        "download a current GGUF of this model or convert it again with a recent "
                        "llama.cpp",
                        name_);
    }
    if (*version != 2 && *version != 3) {
      const bool swapped = *version == 0x02000000u || *version == 0x03000000u;
      return make_error(Errc::unsupported, "{}: GGUF version {} is not supported ({}); {}", name_,
                        *version, swapped ? "a big-endian file" : "Quire reads versions 2 and 3",
                        "use a little-endian GGUF v2 or v3 file");
    }
    file.version_ = *version;
    auto n_tensors = read_raw(8, "the tensor count", "");
    if (!n_tensors) return n_tensors.error();
    auto n_kv = read_raw(8, "the metadata count", "");
    if (!n_kv) return n_kv.error();
    n_tensors_ = *n_tensors;
    n_kv_ = *n_kv;
    // A key/value takes at least 13 bytes (key length, type, one byte); a tensor info 32.
    if (n_kv_ > remaining() / 13 || n_tensors_ > remaining() / 32) {
      return make_error(Errc::corrupt_data,
                        "{}: the header claims {} metadata entries and {} tensors, more than the "
                        "{} bytes that follow can hold; {}",
                        name_, n_kv_, n_tensors_, remaining(), kDamagedHint);
    }
    return {};
  }

  Result<void> read_metadata(File& file) {
    file.metadata_.reserve(static_cast<size_t>(n_kv_));
    for (uint64_t i = 0; i < n_kv_; ++i) {
      const size_t at = pos_;
      auto key = read_string("a metadata key", "", kMaxNameBytes);
      if (!key) return key.error();
      if (key->empty()) {
        return make_error(Errc::corrupt_data, "{}: metadata entry {} (offset {}) has an empty key; {}",
                          name_, i, at, kDamagedHint);
      }
      if (file.key_index_.contains(*key)) {
        return make_error(Errc::corrupt_data, "{}: metadata key '{}' appears twice; {}", name_,
                          *key, kDamagedHint);
      }
      auto type_id = read_u32("the value type", *key);
      if (!type_id) return type_id.error();
      auto type = value_type_from_id(*type_id);
      if (!type) {
        return make_error(Errc::corrupt_data,
                          "{}: metadata '{}' has unknown value type {} (GGUF defines 0..12); {}",
                          name_, *key, *type_id, kDamagedHint);
      }
      auto value = read_value(*type, *key, 0);
      if (!value) return value.error();
      file.key_index_.emplace(*key, file.metadata_.size());
      file.metadata_.emplace_back(std::move(*key), std::move(*value));
    }
    return {};
  }

  Result<Value> read_value(ValueType type, std::string_view key, uint32_t depth) {
    if (++n_values_ > kMaxMetadataValues) {
      return make_error(Errc::corrupt_data,
                        "{}: more than {} metadata values in all (at '{}'); {}", name_,
                        kMaxMetadataValues, key, kDamagedHint);
    }
    if (type == ValueType::string) {
      auto s = read_string("a string", key, std::numeric_limits<uint64_t>::max());
      if (!s) return s.error();
      return Value::str(std::move(*s));
    }
    if (type == ValueType::array) return read_array(key, depth);
    const size_t at = pos_;
    auto raw = read_raw(scalar_width(type), value_type_name(type), key);
    if (!raw) return raw.error();
    if (type == ValueType::boolean && *raw > 1) {
      return make_error(Errc::corrupt_data,
                        "{}: metadata '{}' holds a bool of value {} at offset {}, not 0 or 1; {}",
                        name_, key, *raw, at, kDamagedHint);
    }
    return make_scalar(type, *raw);
  }

  Result<Value> read_array(std::string_view key, uint32_t depth) {
    if (depth >= kMaxArrayDepth) {
      return make_error(Errc::corrupt_data, "{}: metadata '{}' nests arrays deeper than {}; {}",
                        name_, key, kMaxArrayDepth, kDamagedHint);
    }
    auto type_id = read_u32("an array's element type", key);
    if (!type_id) return type_id.error();
    auto type = value_type_from_id(*type_id);
    if (!type) {
      return make_error(Errc::corrupt_data,
                        "{}: metadata '{}' is an array of unknown type {} (GGUF defines 0..12); {}",
                        name_, key, *type_id, kDamagedHint);
    }
    auto count = read_raw(8, "an array's length", key);
    if (!count) return count.error();
    if (*count > remaining() / min_encoded_bytes(*type)) {
      return make_error(Errc::corrupt_data,
                        "{}: metadata '{}' claims an array of {} {} items, more than the {} bytes "
                        "left can hold; {}",
                        name_, key, *count, value_type_name(*type), remaining(), kDamagedHint);
    }
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(*count));
    for (uint64_t i = 0; i < *count; ++i) {
      auto item = read_value(*type, key, depth + 1);
      if (!item) return item.error();
      items.push_back(std::move(*item));
    }
    return Value::array(*type, std::move(items));
  }

  Result<void> read_alignment(File& file) {
    const Value* v = file.find("general.alignment");
    if (v == nullptr) return {};
    const auto a = v->as_uint();
    if (!a || *a < kMinAlignment || *a > kMaxAlignment || (*a & (*a - 1)) != 0) {
      return make_error(Errc::corrupt_data,
                        "{}: general.alignment must be a power of two from {} to {} (a {}); {}",
                        name_, kMinAlignment, kMaxAlignment, value_type_name(v->type()),
                        kDamagedHint);
    }
    file.alignment_ = *a;
    return {};
  }

  Result<void> read_tensor_infos(File& file);
  Result<void> check_tensor_layout(File& file);

  std::span<const uint8_t> bytes_;
  const std::string& name_;
  size_t pos_ = 0;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  uint64_t n_values_ = 0;
};

Result<void> Parser::read_tensor_infos(File& file) {
  file.tensors_.reserve(static_cast<size_t>(n_tensors_));
  for (uint64_t i = 0; i < n_tensors_; ++i) {
    const std::string what = fmt::format("the name of tensor #{}", i);
    auto name = read_string(what, "", kMaxNameBytes);
    if (!name) return name.error();
    if (file.tensor_index_.contains(*name)) {
      return make_error(Errc::corrupt_data, "{}: tensor '{}' appears twice; {}", name_, *name,
                        kDamagedHint);
    }
    TensorInfo t;
    t.name = std::move(*name);
    const std::string& tn = t.name;
    auto n_dims = read_u32("the dimension count", tn);
    if (!n_dims) return n_dims.error();
    if (*n_dims < 1 || *n_dims > kMaxDims) {
      return make_error(Errc::corrupt_data, "{}: tensor '{}' has {} dimensions, not 1 to {}; {}",
                        name_, tn, *n_dims, kMaxDims, kDamagedHint);
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < *n_dims; ++d) {
      auto dim = read_raw(8, "a dimension", tn);
      if (!dim) return dim.error();
      if (*dim < 1 || *dim > static_cast<uint64_t>(kMaxElements) ||
          __builtin_mul_overflow(n_elements, static_cast<int64_t>(*dim), &n_elements) ||
          n_elements > kMaxElements) {
        return make_error(Errc::corrupt_data,
                          "{}: tensor '{}' has dimension {} of size {} (each must be at least 1 "
                          "and the product at most 2^60); {}",
                          name_, tn, d, *dim, kDamagedHint);
      }
      t.shape.push_back(static_cast<int64_t>(*dim));
    }
    auto type_id = read_u32("the type", tn);
    if (!type_id) return type_id.error();
    auto type = kern::dtype_from_ggml(*type_id);
    if (!type) {
      return make_error(Errc::unsupported,
                        "{}: tensor '{}' has type {} (type {}), which Quire does not support; "
                        "supported: {}. Use a GGUF quantized to one of those (e.g. Q4_K_M or "
                        "Q8_0)",
                        name_, tn, ggml_type_name(*type_id), *type_id, kern::supported_dtypes());
    }
    t.type = *type;
    const kern::DTypeInfo& info = kern::dtype_info(t.type);
    if (t.shape[0] % info.block_elems != 0) {
      return make_error(Errc::corrupt_data,
                        "{}: tensor '{}' of type {} has rows of {} elements, not a multiple of the "
                        "block size {}; {}",
                        name_, tn, info.name, t.shape[0], info.block_elems, kDamagedHint);
    }
    // row_bytes <= 4 * shape[0] and rows * shape[0] <= 2^60, so this cannot overflow.
    t.n_bytes = static_cast<uint64_t>(kern::row_bytes(t.type, t.shape[0])) *
                static_cast<uint64_t>(n_elements / t.shape[0]);
    auto offset = read_raw(8, "the data offset", tn);
    if (!offset) return offset.error();
    t.offset = *offset;
    if (t.offset % file.alignment_ != 0) {
      return make_error(Errc::corrupt_data,
                        "{}: tensor '{}' starts at data offset {}, not a multiple of the alignment "
                        "{}; {}",
                        name_, tn, t.offset, file.alignment_, kDamagedHint);
    }
    file.tensor_index_.emplace(t.name, file.tensors_.size());
    file.tensors_.push_back(std::move(t));
  }
  return {};
}

Result<void> Parser::check_tensor_layout(File& file) {
  const uint64_t align = file.alignment_;
  file.data_offset_ = (pos_ + align - 1) / align * align;  // pos_ <= size, no overflow
  if (file.tensors_.empty()) return {};
  const uint64_t size = bytes_.size();
  if (file.data_offset_ > size) {
    return make_error(Errc::corrupt_data,
                      "{}: the tensor data section (offset {}) starts past the end of the file "
                      "({} bytes); {}",
                      name_, file.data_offset_, size, kTruncatedHint);
  }
  const uint64_t data_size = size - file.data_offset_;
  for (const TensorInfo& t : file.tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return make_error(Errc::corrupt_data,
                        "{}: tensor '{}' runs past the end of the file (data offset {}, {} bytes, "
                        "{} bytes of data in the file); {}",
                        name_, t.name, t.offset, t.n_bytes, data_size, kTruncatedHint);
    }
  }
  std::vector<const TensorInfo*> order;
  order.reserve(file.tensors_.size());
  for (const TensorInfo& t : file.tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const TensorInfo& a = *order[i - 1];
    const TensorInfo& b = *order[i];
    if (a.offset + a.n_bytes > b.offset) {
      return make_error(Errc::corrupt_data,
                        "{}: tensors '{}' and '{}' overlap (data offsets {} and {}, {} bytes); {}",
                        name_, a.name, b.name, a.offset, b.offset, a.n_bytes, kDamagedHint);
    }
  }
  return {};
}

Result<File> File::parse(std::span<const uint8_t> bytes, std::string name) {
  File file;
  file.name_ = std::move(name);
  file.bytes_ = bytes;
  Parser parser(bytes, file.name_);
  if (auto r = parser.run(file); !r) return r.error();
  return file;
}

}  // namespace quire::gguf
