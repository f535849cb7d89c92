// A read-only, private memory mapping of a whole file. Move-only; unmaps on destruction.
// The mapping's address never changes, so spans into it stay valid across moves.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "engine/base/result.h"

namespace quire::gguf {

class MappedFile {
 public:
  MappedFile() = default;
  // Errors: not_found (missing, or not a regular file), permission_denied, io_error.
  // An empty file maps to an empty span.
  static Result<MappedFile> open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace quire::gguf
