// Quire's compute kernels: the one CUDA-free header of op signatures.
//
// Every op exists in up to three variants with the same signature, told apart by namespace:
//   kern::ref   scalar, obviously correct, the oracle of every test (kernels/ref)
//   kern::cpu   optimized for CPUs: threads, SIMD, BLAS (kernels/cpu)
//   kern::cuda  CUDA versions on device pointers (kernels/cuda, only with QUIRE_HAVE_CUDA)
//
// Contracts common to all ops:
//   - Shapes are given in elements, row-major, innermost dimension last; they are documented on
//     each op as [dim0, dim1, ...]. Callers validate shapes once at their API boundary; kernels
//     trust them (no checks on the hot path).
//   - Output buffers never alias inputs unless the op says "in place".
//   - Exec carries the execution resources; ref ignores it, cpu uses `pool`, cuda uses `stream`.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace kern {

class ThreadPool;

// Rotary position embedding, as GGUF models expect it (ggml's rope).
enum class RopeMode {
  normal,  // rotate adjacent pairs (x[2i], x[2i+1]): GGUF arch "llama" (Q/K weights pre-permuted)
  neox,    // rotate halves (x[i], x[i + n_rot/2]): GPT-NeoX / Hugging Face layout
};

struct RopeParams {
  RopeMode mode = RopeMode::normal;
  int64_t n_rot = 0;       // leading dims of each head that rotate; even, <= head_dim
  float base = 10000.0f;   // theta base
  float freq_scale = 1.0f; // linear scaling: angle *= freq_scale (1 / scaling factor)
  // Per-frequency divisors [n_rot/2] (Llama 3.1 "llama3" scaling, GGUF rope_freqs.weight);
  // nullptr means all 1. Borrowed: must outlive the call.
  const float* freq_factors = nullptr;
};

// Element type of K/V cache rows, as the attention op reads them (kernels/kv_codec.h encodes and
// decodes them): f32; f16 (IEEE binary16); q8_0 (blocks of 32: fp16 scale d + 32 int8, x = d*q).
enum class KvType { f32, f16, q8_0 };

struct Exec {
  ThreadPool* pool = nullptr;  // cpu: workers to split the op over (nullptr: caller thread only)
  void* stream = nullptr;      // cuda: the cudaStream_t to enqueue on (nullptr: default stream)
};

// The op set, declared once per variant namespace so their signatures cannot drift apart.
#define QUIRE_KERNEL_OPS                                                                         \
  /* C[m,n] = sum_k A[m,k] * B[n,k]: activations A [M,K] times weights B [N,K] (the GGUF and    \
     PyTorch [out,in] layout), C [M,N]. */                                                      \
  void matmul(const Exec& ex, float* C, const float* A, const float* B, int64_t M, int64_t N,   \
              int64_t K);                                                                       \
  /* y[r,:] = x[r,:] / sqrt(mean(x[r,:]^2) + eps) * w[:]; x, y [rows,n], w [n]. */              \
  void rms_norm(const Exec& ex, float* y, const float* x, const float* w, int64_t rows,         \
                int64_t n, float eps);                                                          \
  /* In place: x[r,:] = exp(x[r,:] - max_r) / sum(exp(x[r,:] - max_r)); x [rows,n]. */          \
  void softmax(const Exec& ex, float* x, int64_t rows, int64_t n);                              \
  /* In place: gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + exp(-x)); gate, up [n]. */   \
  void swiglu(const Exec& ex, float* gate, const float* up, int64_t n);                         \
  /* In place: y[i] += x[i]; x, y [n] (the residual stream). */                                 \
  void add(const Exec& ex, float* y, const float* x, int64_t n);                                \
  /* In place: rotates x [n_tokens, n_heads, head_dim] by its token's position pos [n_tokens].  \
     Pair i (0 <= i < n_rot/2) turns by angle pos * freq_scale * base^(-2i/n_rot) / ff[i]:      \
     (a, b) -> (a cos - b sin, a sin + b cos). Dims >= n_rot are left as they are. */           \
  void rope(const Exec& ex, float* x, const int32_t* pos, int64_t n_tokens, int64_t n_heads,    \
            int64_t head_dim, const RopeParams& p);                                             \
  /* y[n] = the values of n elements stored as `type` at x (GGML block layout); n a multiple    \
     of dtype_info(type).block_elems. */                                                        \
  void dequantize(const Exec& ex, float* y, const void* x, DType type, int64_t n);              \
  /* The weight GEMM/GEMV: C[m,n] = sum_k A[m,k] * dequant(W)[n,k]. A [M,K] f32, C [M,N] f32,   \
     W is N rows of row_bytes(wtype, K) bytes each; K a multiple of the type's block. M = 1 is  \
     decode, large M is prefill. */                                                             \
  void matmul_w(const Exec& ex, float* C, const float* A, const void* W, DType wtype,           \
                int64_t M, int64_t N, int64_t K);                                               \
  /* Exact causal attention. q [n_q, n_head, head_dim] f32 (already rotated); k, v [n_kv,       \
     n_head_kv, head_dim] rows in kv_type (q8_0: head_dim % 32 == 0); out [n_q, n_head,         \
     head_dim]. Query i sits at position n_kv - n_q + i and attends keys 0..that position;      \
     query head h reads kv head h / (n_head / n_head_kv). out = softmax(scale * q.k) . v */     \
  void attention(const Exec& ex, float* out, const float* q, const void* k, const void* v,      \
                 KvType kv_type, int64_t n_q, int64_t n_kv, int64_t n_head, int64_t n_head_kv,  \
                 int64_t head_dim, float scale);

namespace ref {
QUIRE_KERNEL_OPS
}  // namespace ref

namespace cpu {
QUIRE_KERNEL_OPS
}  // namespace cpu

namespace cuda {
QUIRE_KERNEL_OPS

// Number of usable CUDA devices; 0 when there is no GPU or no driver (never an error).
int device_count();
}  // namespace cuda

#undef QUIRE_KERNEL_OPS

namespace ref {
// y = x[n] encoded as `type` (n a multiple of the type's block; y has row_bytes(type, n) bytes).
// A simple, valid encoder for test models and the GGUF writer, not ggml's error-minimizing
// search (kernels/ref/quantize.cpp). Inputs must be finite. Worst-case error per element
// (tests/kernels/test_quantize.cpp checks each), with amax = max |x| and
// span = max x - min(0, min x) over the named group:
//   f32 exact; f16 |x| * 2^-11 (+ 2^-25 for subnormals; beyond 65504 -> inf); bf16 |x| * 2^-8;
//   q8_0  amax(block of 32) / 254;       q4_0 amax(block of 32) / 8 (the side opposite the
//   extreme has 7 steps, else amax / 16);
//   q4_K  span(sub-block of 32) / 30 + span(super-block of 256) / 900;
//   q5_K  span(sub-block of 32) / 62 + span(super-block) / 1900;
//   q6_K  amax(sub-block of 16) / 62 + amax(super-block) / 7800;
// each up to a relative 2^-9 more from the fp16 rounding of the scales.
void quantize(void* y, const float* x, DType type, int64_t n);
}  // namespace ref

}  // namespace kern
