// Tensor Product Attention (TPA.md): attention computed from the per-token factors a TPA KV cache
// holds, never from materialized K and V. CUDA-free; the op is declared in the three kernel
// namespaces with one signature.
//
// Cache row layout (one token of one layer; TpaShape::row_elems elements in KvType f32 or f16):
//   K row = [A_K [n_head, rank_k] | rotated B_K [rank_k, head_dim] | zero padding]
//   V row = [A_V [n_head, rank_v] | B_V [rank_v, head_dim]         | zero padding]
// Both rows have the same length, (n_head + head_dim) * max(rank_k, rank_v), so that one KvCache
// (one row size) holds them; with rank_k == rank_v (every T6 model) there is no padding.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/kernels.h"

namespace kern {

struct TpaShape {
  int64_t n_head = 0;
  int64_t head_dim = 0;  // D
  int64_t rank_q = 0;    // 0: KV-only (queries are plain per-head vectors)
  int64_t rank_k = 0;
  int64_t rank_v = 0;

  int64_t row_elems() const { return (n_head + head_dim) * std::max(rank_k, rank_v); }
  // Elements of one query's factors: A_Q [n_head, rank_q] then B_Q [rank_q, head_dim]; KV-only:
  // Q [n_head, head_dim].
  int64_t query_elems() const {
    return rank_q == 0 ? n_head * head_dim : (n_head + head_dim) * rank_q;
  }
};

// out [n_q, n_head, head_dim] = causal softmax attention of n_q queries over the n_kv cached
// tokens, per TPA.md "Decode without materializing": with q = [A_Q | rotated B_Q] per query
// ([n_q, query_elems()], f32; KV-only: rotated Q [n_head, head_dim]),
//   P[m,r,s] = <B_Q[r], B_K[m,s]>,  L[h,m] = scale * sum_{r,s} A_Q[h,r] A_K[m,h,s] P[m,r,s]
//                                            / (rank_q rank_k)      (KV-only: r = h, A_Q = 1,
//                                                                     no 1/rank_q)
//   alpha = softmax_m(L),  out[h,:] = (1/rank_v) sum_m alpha[h,m] sum_u A_V[m,h,u] B_V[m,u,:],
// i.e. exactly attention over K = A_K B_K / rank_k and V = A_V B_V / rank_v. Query i sits at
// position n_kv - n_q + i and attends to tokens 0..that position. k_rows, v_rows: n_kv rows of
// shape.row_elems() elements each in kv_type (f32 or f16; q8_0 is not a TPA cache type).
// scale is usually 1/sqrt(head_dim). Requires 1 <= n_q <= n_kv.
// Threads: cpu splits queries (prefill) or key blocks (decode, merged by log-sum-exp) over
// ex.pool. Memory: O(n_kv * n_head) floats of scores, never n_kv x n_head x head_dim.
#define QUIRE_TPA_OPS                                                                         \
  void tpa_decode_attention(const Exec& ex, float* out, const float* q, const void* k_rows,  \
                            const void* v_rows, KvType kv_type, const TpaShape& shape,       \
                            int64_t n_q, int64_t n_kv, float scale);

namespace ref {
QUIRE_TPA_OPS
}  // namespace ref

namespace cpu {
QUIRE_TPA_OPS
}  // namespace cpu

// Defined by quire_kernels_cuda (kernels/cuda/tpa_attention.cu, device pointers, Exec::stream);
// declared here so the three signatures cannot drift apart.
namespace cuda {
QUIRE_TPA_OPS
}  // namespace cuda

#undef QUIRE_TPA_OPS

}  // namespace kern
