// 8-bit activation rows for integer weight dot products (llama.cpp's q8_0 / q8_K scheme).
//
// A quantized weight row (q8_0, q4_0, q4_K, q5_K, q6_K) can be multiplied with an activation row
// in integer arithmetic once the activation row is itself rounded to 8-bit blocks: the block sums
// of int8 x int4..int8 products are exact, and only one float multiply per block (or sub-block)
// remains. kern::cpu::matmul_w uses this for decode; this header is the format and the twins.
//
// Layouts (little-endian, blocks are byte arrays read through memcpy, any alignment):
//   q8_0 34 B / 32:  half d, int8 qs[32]              a ~= d * q (same layout as the q8_0 weight)
//   q8_K 292 B / 256: float d, int8 qs[256], int16 bsums[16]
//                     a ~= d * q; bsums[i] = sum of qs[16i .. 16i+15] (the K-quants' min/offset
//                     terms need per-sub-block sums of the activation quants).
// Rounding (both): amax = max |x| over the block; q = round-half-to-even(x * id), |q| <= 127,
//   with q8_0: d = amax / 127, id = 1 / d (0 when amax = 0), d stored as fp16;
//        q8_K: d = amax / 127, id = 127 / amax (0 when amax = 0), d stored as f32.
// Error bound per element (checked by tests/kernels/test_q8_act.cpp), for finite inputs:
//   q8_K: |x - d*q| <= 0.5001 * amax / 127
//   q8_0: |x - dh*q| <= 0.5001 * amax / 127 + 127 * |d - dh|, dh = the fp16-rounded d
//         (<= 0.563 * amax / 127 while d is a normal fp16, amax >= 127 * 2^-14).
// The dot of a weight row with a quantized activation row then differs from the float dot
// sum_k dequant(w)[k] * x[k] by at most sum_k |dequant(w)[k]| * (that bound for x[k]'s block),
// plus float summation error.
#pragma once

#include <cstdint>
#include <optional>

#include "kernels/dtype.h"
#include "kernels/kernels.h"

namespace kern {

enum class ActQ8 { q8_0, q8_k };

// Byte offsets inside one q8_K block (q8_0 uses quant::q8_0 of kernels/quant_blocks.h).
namespace q8k { inline constexpr int d = 0, qs = 4, bsums = 260, elems = 256, bytes = 292; }

// The activation format the integer dot of weight type `w` reads: q8_0 for q8_0 and q4_0, q8_K
// for the K-quants; nullopt for f32, f16 and bf16 (they have no integer dot).
std::optional<ActQ8> act_q8_for(DType w);
// Elements per block (32 or 256) and bytes of a row of n elements (n a multiple of the block).
int64_t act_block_elems(ActQ8 type);
int64_t act_row_bytes(ActQ8 type, int64_t n);

// The twins, same signatures (kern::ref scalar and obviously correct; kern::cpu SIMD + threads).
#define QUIRE_Q8_ACT_OPS                                                                         \
  /* y = rows x [rows, K] f32 quantized as `type`, row r at y + r * act_row_bytes(type, K).     \
     K a multiple of act_block_elems(type); x finite. kern::cpu equals kern::ref byte for       \
     byte. */                                                                                   \
  void quantize_act(const Exec& ex, uint8_t* y, const float* x, ActQ8 type, int64_t rows,       \
                    int64_t K);                                                                 \
  /* sum_k dequant(w)[k] * dequant(a)[k] for one weight row w of K elements in `wtype` (q8_0,   \
     q4_0, q4_K, q5_K or q6_K) and one activation row a quantized as act_q8_for(wtype). Integer \
     block sums, float (ref: double) scale products; results agree up to float summation. */    \
  float dot_q8(DType wtype, const uint8_t* w, const uint8_t* a, int64_t K);

namespace ref {
QUIRE_Q8_ACT_OPS
// y[n] = the values d * q of a row of n elements quantized as `type` (for tests and bounds).
void dequantize_act(float* y, const uint8_t* x, ActQ8 type, int64_t n);
}  // namespace ref

namespace cpu {
QUIRE_Q8_ACT_OPS
// Process-wide choice for kern::cpu::matmul_w with quantized weights (decode, and prefill where
// an integer GEMM exists, kernels/cpu/q8_gemm.h): true (the default) rounds the activation rows
// to 8 bits and uses the integer kernels (fast; llama.cpp's numerics; the error bound above);
// false keeps float activations (exact up to float summation, for comparisons with a float
// reference: `quire-cli logits`). An atomic flag; change it only while no matmul_w runs.
void set_q8_activations(bool enabled);
bool q8_activations();
}  // namespace cpu

#undef QUIRE_Q8_ACT_OPS

}  // namespace kern
