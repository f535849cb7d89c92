// Writes NumPy .npy files (format version 1.0: magic, little-endian header dict, raw data), so
// that tests and scripts can load Quire's tensors with numpy.load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "engine/base/result.h"

namespace quire::app {

// Writes `data` as a C-order little-endian float32 array of `shape` ('<f4'). Errors:
// invalid_argument when the shape's element count differs from data.size(); io_error /
// permission_denied naming the path when the file cannot be written.
Result<void> write_npy_f32(const std::filesystem::path& path, std::span<const float> data,
                           const std::vector<int64_t>& shape);

}  // namespace quire::app
