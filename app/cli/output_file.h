// Writing a command's output file (exports, reports) so that a crash or a full disk never leaves
// a half-written FILE: the text goes to FILE.part, is flushed to disk, then renamed over FILE
// (durable_file.h).
#pragma once

#include <filesystem>
#include <string_view>

#include "engine/base/result.h"

namespace quire::app {

// Errors: the durable_file errors (io_error, no_space, permission_denied) naming the path.
Result<void> write_output_file(const std::filesystem::path& target, std::string_view text);

}  // namespace quire::app
