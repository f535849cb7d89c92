// Portable weight-row dot products: the fallback on CPUs without AVX2 and on non-x86 targets.
// Algorithm: decode up to 256 elements (whole blocks) into a stack buffer with the shared block
// decoders, then a dot product over 8 independent float lanes, which compilers vectorize for the
// baseline ISA (SSE2 on x86-64, NEON on arm64). Numerics: float accumulation in 8 lanes.
#include <cstring>

#include "kernels/cpu/weight_dot.h"
#include "kernels/quant_blocks.h"

namespace kern::cpu::detail {
namespace {

constexpr int64_t kChunk = 256;  // a multiple of every block size

float dot_lanes(const float* w, const float* a, int64_t n) {
  float lanes[8] = {};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    for (int j = 0; j < 8; ++j) lanes[j] += w[k + j] * a[k + j];
  }
  for (; k < n; ++k) lanes[0] += w[k] * a[k];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

template <DType kType>
float row_dot(const uint8_t* w, const float* a, int64_t K) {
  if constexpr (kType == DType::f32) return dot_lanes(reinterpret_cast<const float*>(w), a, K);
  const DTypeInfo& info = dtype_info(kType);
  const int64_t chunk_bytes = kChunk / info.block_elems * info.block_bytes;
  float buf[kChunk];
  float sum = 0.0f;
  for (int64_t k = 0; k < K; k += kChunk, w += chunk_bytes) {
    const int64_t n = K - k < kChunk ? K - k : kChunk;
    quant::decode_row(kType, w, buf, n);
    sum += dot_lanes(buf, a + k, n);
  }
  return sum;
}

}  // namespace

RowDot row_dot_portable(DType type) {
  switch (type) {
    case DType::f32: return row_dot<DType::f32>;
    case DType::f16: return row_dot<DType::f16>;
    case DType::bf16: return row_dot<DType::bf16>;
    case DType::q8_0: return row_dot<DType::q8_0>;
    case DType::q4_0: return row_dot<DType::q4_0>;
    case DType::q4_k: return row_dot<DType::q4_k>;
    case DType::q5_k: return row_dot<DType::q5_k>;
    case DType::q6_k: return row_dot<DType::q6_k>;
  }
  return nullptr;
}

}  // namespace kern::cpu::detail
