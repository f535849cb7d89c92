// Reading a whole file into memory with a size cap checked before any byte is read, and with
// errors that say which file and what to do (missing, a folder, unreadable, too large).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/base/result.h"

namespace quire::app {

// The file's bytes. Errors: not_found, permission_denied, invalid_argument (a folder or a
// device), unsupported (larger than `max_bytes`), io_error.
Result<std::string> read_file_bytes(const std::filesystem::path& path, int64_t max_bytes);

// "1.5 GiB", "300 KiB", "12 bytes": sizes in messages.
std::string format_bytes(int64_t bytes);

}  // namespace quire::app
