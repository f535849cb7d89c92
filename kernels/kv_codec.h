// Row encode/decode for K/V cache element types (KvType), shared by the attention kernels that
// read cache rows and the engine's KvCache that writes them.
//
// Formats (GGML-compatible, so a cache row is bit-identical to ggml's for the same input):
//   f32   4 bytes per element.
//   f16   IEEE 754 binary16, 2 bytes, converted by kernels/half.h (round to nearest even,
//         overflow -> inf, NaN stays NaN).
//   q8_0  blocks of 32 elements, 34 bytes each: fp16 scale d, then 32 int8 q; x = d * q, with
//         d = max|x| / 127 and q = round(x / d) (ties away from zero, as ggml's roundf).
// Threads: every function is pure and reentrant.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace kern {

inline constexpr int64_t kQ8Block = 32;        // elements per q8_0 block
inline constexpr int64_t kQ8BlockBytes = 34;   // bytes per q8_0 block

// Bytes of one row of n elements; q8_0 needs n % 32 == 0 (callers validate).
int64_t kv_row_bytes(KvType type, int64_t n);
// dst [kv_row_bytes(type, n)] <- src [n].
void kv_encode_row(KvType type, const float* src, void* dst, int64_t n);
// dst [n] <- src [kv_row_bytes(type, n)].
void kv_decode_row(KvType type, const void* src, float* dst, int64_t n);
// "f32", "f16", "q8_0".
const char* kv_type_name(KvType type);

}  // namespace kern
