#include "kernels/dtype.h"

namespace kern {

// Block sizes from GGML's formats: the k-quants pack 256 elements in a super-block
// (q4_K: 2 fp16 scales + 12 bytes of 6-bit sub-scales + 128 bytes of nibbles = 144;
//  q5_K: + 32 bytes of high bits = 176; q6_K: 128 low + 64 high + 16 scales + fp16 = 210).
const DTypeInfo& dtype_info(DType type) {
  static constexpr DTypeInfo f32{"f32", 1, 4}, f16{"f16", 1, 2}, bf16{"bf16", 1, 2},
      q8_0{"q8_0", 32, 34}, q4_0{"q4_0", 32, 18}, q4_k{"q4_K", 256, 144},
      q5_k{"q5_K", 256, 176}, q6_k{"q6_K", 256, 210};
  switch (type) {
    case DType::f32: return f32;
    case DType::f16: return f16;
    case DType::bf16: return bf16;
    case DType::q8_0: return q8_0;
    case DType::q4_0: return q4_0;
    case DType::q4_k: return q4_k;
    case DType::q5_k: return q5_k;
    case DType::q6_k: return q6_k;
  }
  return f32;
}

std::optional<DType> dtype_from_ggml(uint32_t id) {
  switch (id) {
    case 0: return DType::f32;
    case 1: return DType::f16;
    case 2: return DType::q4_0;
    case 8: return DType::q8_0;
    case 12: return DType::q4_k;
    case 13: return DType::q5_k;
    case 14: return DType::q6_k;
    case 30: return DType::bf16;
    default: return std::nullopt;
  }
}

std::string_view supported_dtypes() { return "f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K"; }

}  // namespace kern
