// Writes GGUF v3 files: for tests, tools and converters (the reader is gguf.h).
//
// Metadata keeps insertion order (set() on an existing key replaces its value in place);
// tensors keep add order and are laid out back to back, each padded to the alignment.
// general.alignment is owned by the Writer: it is written when the alignment is not GGUF's
// default 32. Programming errors (data that does not match the shape, a duplicate tensor name,
// a bad alignment, setting general.alignment by hand) throw std::invalid_argument; I/O failures
// are Results.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/result.h"
#include "engine/gguf/gguf_value.h"
#include "kernels/dtype.h"

namespace quire::gguf {

class Writer {
 public:
  // `alignment`: a power of two from 8 to 2^20.
  explicit Writer(uint32_t alignment = 32);

  void set(std::string key, Value v);
  // `shape` in GGUF order (shape[0] innermost, 1 to 4 dims, each >= 1, shape[0] a multiple of
  // the type's block size); `data` holds exactly the tensor's bytes in `type`'s format.
  void add_tensor(std::string name, kern::DType type, std::vector<int64_t> shape,
                  std::vector<uint8_t> data);

  // Atomically: writes a temporary file beside `path`, fsyncs it, renames it over `path`.
  // Errors: permission_denied, no_space, io_error (the message names the path).
  Result<void> write(const std::filesystem::path& path) const;
  std::vector<uint8_t> to_bytes() const;

 private:
  struct Tensor {
    std::string name;
    kern::DType type;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  uint32_t alignment_;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace quire::gguf
