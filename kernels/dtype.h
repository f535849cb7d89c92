// Element types of weights and caches, with their block layout.
// The numeric values are GGML's type ids, exactly as GGUF files store them, so a tensor's type
// field converts with dtype_from_ggml() and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kern {

enum class DType : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q8_0 = 8,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  bf16 = 30,
};

// A type stores `block_elems` consecutive elements of a row in `block_bytes` bytes.
struct DTypeInfo {
  std::string_view name;  // as llama.cpp prints it: "f32", "q4_K", ...
  int64_t block_elems;
  int64_t block_bytes;
};

const DTypeInfo& dtype_info(DType type);
// nullopt for GGML ids Quire does not support (the caller names the id in its error).
std::optional<DType> dtype_from_ggml(uint32_t ggml_type_id);
// Bytes of a row of n elements; n must be a multiple of block_elems (callers validate).
inline int64_t row_bytes(DType type, int64_t n) {
  const DTypeInfo& info = dtype_info(type);
  return n / info.block_elems * info.block_bytes;
}
// "f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K": for "unsupported type" messages.
std::string_view supported_dtypes();

}  // namespace kern
