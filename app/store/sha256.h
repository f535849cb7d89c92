// SHA-256 (OpenSSL libcrypto) for document content hashes and snapshot checksums, as lowercase
// hex. A cryptographic hash because a checksum here decides whether bytes are trusted as a
// model's KV state or as a document's identity.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "engine/base/result.h"

namespace quire::app {

// Incremental hasher. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::span<const std::byte> bytes);
  void update(std::string_view text);
  // 64 lowercase hex digits. The hasher is reset afterwards.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::span<const std::byte> bytes);
std::string sha256_hex(std::string_view text);

// Hashes a whole file, reading it in chunks. Errors: not_found, permission_denied, io_error,
// cancelled.
Result<std::string> sha256_file(const std::filesystem::path& path, std::stop_token stop = {});

}  // namespace quire::app
