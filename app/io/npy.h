// Writes NumPy .npy files (format version 1.0: magic, little-endian header dict, raw data), so
// that tests and scripts can load Quire's tensors with numpy.load, and reads the float ones
// numpy.save writes (so that scripts can hand tensors to `quire-cli debug`).
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
// The same as '<f8'.
Result<void> write_npy_f64(const std::filesystem::path& path, std::span<const double> data,
                           const std::vector<int64_t>& shape);

// A float array read from an .npy file. Values are held as double (exact for both types).
struct NpyArray {
  bool is_f64 = false;  // '<f8'; false: '<f4'
  std::vector<int64_t> shape;
  std::vector<double> values;  // C order, product(shape) values
};

// Reads an .npy file of format version 1.0, 2.0 or 3.0 holding a little-endian float32 ('<f4')
// or float64 ('<f8') array in C order. Every header field is validated (magic, version, header
// length within the file, a dict with exactly 'descr', 'fortran_order' and 'shape', shape entries
// non-negative with a product below 2^40) and the data must be exactly product(shape) values.
// Errors: not_found / permission_denied naming the path; corrupt_data for a malformed or
// truncated file (the message says which part); unsupported for another dtype or Fortran order
// (the message names it and says to save float32/float64 C-order arrays).
Result<NpyArray> read_npy(const std::filesystem::path& path);

}  // namespace quire::app
