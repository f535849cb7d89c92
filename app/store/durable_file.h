// Durable file writes on POSIX: the bytes are on disk before the file appears under its name.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <stop_token>
#include <vector>

#include "engine/base/result.h"

namespace quire::app {

// Produces a file's bytes in order, one chunk per call; an empty span means the end. A chunk must
// stay valid until the next call. An error aborts the write and is passed on.
using ChunkSource = std::function<Result<std::span<const std::byte>>()>;

// Writes everything `next` produces to `temp` (created exclusively, so two writers never share
// one) and fsyncs it. On failure `temp` is removed. Errors: no_space (ENOSPC, EDQUOT, EFBIG),
// permission_denied, io_error, cancelled, or the source's own.
Result<void> write_temp_durably(const std::filesystem::path& temp, const ChunkSource& next,
                                std::stop_token stop = {});

// Renames a durable temp file to `target` (atomically replacing any file there) and fsyncs the
// folder, so the name survives a crash. On failure `temp` is removed.
Result<void> publish_durably(const std::filesystem::path& temp,
                             const std::filesystem::path& target);

// fsync on a folder, so that a rename or unlink inside it survives a crash.
Result<void> sync_dir(const std::filesystem::path& dir);

// Reads a whole file. Errors: not_found, permission_denied, io_error.
Result<std::vector<std::byte>> read_whole_file(const std::filesystem::path& path);

// The Errc for an errno value from file I/O.
Errc errc_from_errno(int err);

}  // namespace quire::app
