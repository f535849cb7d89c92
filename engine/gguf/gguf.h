// GGUF v2/v3 model files (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): a header,
// typed key/value metadata, tensor infos, then the aligned tensor data section.
//
// File::open maps the file read-only and validates everything before anything is returned:
// every count, length and offset is checked against the bytes that remain before it is used or
// allocated, so corrupt, truncated or hostile files give an Error (corrupt_data, unsupported,
// not_found, ...) whose message names the file and says what to do, never a crash, an
// out-of-bounds read or a huge allocation. After a successful open every TensorInfo's bytes lie
// inside the mapping, aligned, and no two tensors overlap.
//
// Threads: a File is immutable after open; any number of threads may read it concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/result.h"
#include "engine/gguf/gguf_value.h"
#include "engine/gguf/mapped_file.h"
#include "kernels/dtype.h"

namespace quire::gguf {

inline constexpr uint64_t kDefaultAlignment = 32;  // when general.alignment is absent

struct TensorInfo {
  std::string name;
  kern::DType type = kern::DType::f32;
  std::vector<int64_t> shape;  // GGUF/ggml order: shape[0] is the innermost, contiguous dim
  uint64_t offset = 0;         // bytes from the data section's start; a multiple of alignment
  uint64_t n_bytes = 0;        // bytes of the whole tensor in its (block) format
  int64_t n_elements() const;
};

class File {
 public:
  // Maps and validates `path`. The File's name() is the path's file name.
  static Result<File> open(const std::filesystem::path& path);
  // Validates `bytes` without copying them: the caller keeps them alive while the File lives.
  // `name` appears in error messages (fuzzing, tests, in-memory files).
  static Result<File> parse(std::span<const uint8_t> bytes, std::string name);

  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() = default;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // file offset of the data section
  uint64_t size() const { return bytes_.size(); }         // file size in bytes
  const std::string& name() const { return name_; }

  // In file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;

  // Typed getters: Errc::not_found when the key is absent, Errc::mismatch when the value has
  // another type or does not fit (the message names the file, the key and both types).
  Result<std::string> get_string(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::vector<std::string>> get_strings(std::string_view key) const;
  Result<std::vector<float>> get_floats(std::string_view key) const;
  Result<std::vector<int64_t>> get_ints(std::string_view key) const;

  // In file order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // The tensor's first byte inside the mapping (n_bytes long, aligned to alignment() relative
  // to the file start); valid while this File lives. `info` must come from this File.
  const uint8_t* tensor_data(const TensorInfo& info) const {
    return bytes_.data() + data_offset_ + info.offset;
  }

 private:
  friend class Parser;
  File() = default;

  MappedFile mapping_;  // empty for parse(): then the caller owns the bytes
  std::span<const uint8_t> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> key_index_;     // key -> metadata_ index
  std::map<std::string, size_t, std::less<>> tensor_index_;  // name -> tensors_ index
};

// GGML's name for a tensor type id, Quire-supported or not ("q2_K", "iq4_xs"); "unknown" for
// ids GGML never defined. For "unsupported type" messages.
std::string_view ggml_type_name(uint32_t ggml_type_id);

}  // namespace quire::gguf
