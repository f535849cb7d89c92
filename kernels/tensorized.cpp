// The folding of tensorized attention: strides, coordinates, the default rule and parsing.
#include "kernels/tensorized.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace kern {

namespace {

constexpr int64_t kMaxCapacity = std::numeric_limits<int32_t>::max();  // positions are int32

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Smallest r with r * r >= c (exact, no floating point rounding surprises).
int64_t ceil_sqrt(int64_t c) {
  auto r = static_cast<int64_t>(std::sqrt(static_cast<double>(c)));
  while (r * r < c) ++r;
  while (r > 1 && (r - 1) * (r - 1) >= c) --r;
  return r;
}

}  // namespace

int64_t TensorDims::capacity() const {
  int64_t p = 1;
  for (int64_t x : n) p *= x;
  return p;
}

int64_t TensorDims::stride(int64_t j) const {
  int64_t s = 1;
  for (size_t i = static_cast<size_t>(j) + 1; i < n.size(); ++i) s *= n[i];
  return s;
}

std::string TensorDims::to_string() const {
  std::string s;
  for (size_t i = 0; i < n.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(n[i]);
  }
  return s;
}

TensorDims default_dims(int64_t max_context) {
  const int64_t L = max_context < 1 ? 1 : max_context;
  if (L <= kDefaultFinestChunk) return TensorDims{{kDefaultFinestChunk}};
  const int64_t C = ceil_div(L, kDefaultFinestChunk);
  if (L <= 32768) return TensorDims{{C, kDefaultFinestChunk}};
  const int64_t n2 = ceil_sqrt(C);
  return TensorDims{{ceil_div(C, n2), n2, kDefaultFinestChunk}};
}

std::string parse_dims(std::string_view text, TensorDims& out) {
  const std::string shown(text);
  if (text.empty()) {
    return "tensorized dims are empty; give them coarsest first, like \"32x64x64\"";
  }
  TensorDims dims;
  int64_t product = 1;
  size_t pos = 0;
  while (true) {
    const size_t sep = text.find_first_of("xX", pos);
    const std::string_view part =
        text.substr(pos, sep == std::string_view::npos ? std::string_view::npos : sep - pos);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) {
      return "tensorized dims \"" + shown + "\": \"" + std::string(part) +
             "\" is not a whole number; give positive integers separated by 'x', like "
             "\"32x64x64\"";
    }
    if (value < 1) {
      return "tensorized dims \"" + shown + "\": every dim must be at least 1, got " +
             std::to_string(value);
    }
    if (value > kMaxCapacity / product) {
      return "tensorized dims \"" + shown + "\": the product of the dims exceeds " +
             std::to_string(kMaxCapacity) + " positions; use smaller dims";
    }
    product *= value;
    dims.n.push_back(value);
    if (dims.order() > kMaxTensorOrder) {
      return "tensorized dims \"" + shown + "\": more than " + std::to_string(kMaxTensorOrder) +
             " dims; use at most " + std::to_string(kMaxTensorOrder);
    }
    if (sep == std::string_view::npos) break;
    pos = sep + 1;
  }
  out = std::move(dims);
  return {};
}

}  // namespace kern
