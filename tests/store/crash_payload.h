// Self-checking snapshot payloads for the crash-safety test: 8 bytes of seed, 8 bytes of length,
// then bytes derived from the seed. A torn or mixed payload fails payload_is_consistent().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace quire::app::testing {

inline std::byte payload_byte(uint64_t seed, size_t i) {
  return std::byte(((seed >> (8 * (i % 8))) ^ (i * 2654435761u)) & 0xff);
}

inline std::vector<std::byte> make_payload(uint64_t seed, size_t n) {
  std::vector<std::byte> v(16 + n);
  for (int i = 0; i < 8; ++i) v[size_t(i)] = std::byte((seed >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) v[size_t(8 + i)] = std::byte((uint64_t(n) >> (8 * i)) & 0xff);
  for (size_t i = 0; i < n; ++i) v[16 + i] = payload_byte(seed, i);
  return v;
}

inline bool payload_is_consistent(std::span<const std::byte> v) {
  if (v.size() < 16) return false;
  uint64_t seed = 0, n = 0;
  for (int i = 0; i < 8; ++i) seed |= uint64_t(v[size_t(i)]) << (8 * i);
  for (int i = 0; i < 8; ++i) n |= uint64_t(v[size_t(8 + i)]) << (8 * i);
  if (n != v.size() - 16) return false;
  for (size_t i = 0; i < n; ++i) {
    if (v[16 + i] != payload_byte(seed, i)) return false;
  }
  return true;
}

}  // namespace quire::app::testing
