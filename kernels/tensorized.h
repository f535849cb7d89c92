// Tensorized attention (TENSORIZED.md): the sequence is folded into a tensor n_1 x ... x n_d
// (coarsest first) and attention runs along one dimension per hop, finest first. This header is
// CUDA-free and holds the folding (TensorDims, the default rule, parsing) and the op, declared in
// the three kernel namespaces with one signature.
//
// Semantics fixed here (and tested): positions >= n are padding and are never read; every softmax
// subtracts the max of its own entries only; query head h reads kv head h / (n_head/n_head_kv).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/kernels.h"

namespace kern {

// The folding of one session. n[0] is n_1 (coarsest), n.back() is n_d (finest chunk).
// Valid dims (see parse_dims) have 1 <= d <= kMaxTensorOrder, every n_j >= 1 and P < 2^31, so that
// positions fit RoPE's int32.
struct TensorDims {
  std::vector<int64_t> n;

  int64_t order() const { return static_cast<int64_t>(n.size()); }
  // P = n_1 * ... * n_d, the number of positions the folding holds.
  int64_t capacity() const;
  // stride_j = n_{j+1} * ... * n_d for 0-based j (j = order()-1 is the finest: stride 1).
  int64_t stride(int64_t j) const;
  // c_j(t) = (t / stride_j) mod n_j, 0-based j.
  int64_t coord(int64_t t, int64_t j) const { return (t / stride(j)) % n[static_cast<size_t>(j)]; }
  // "32x64x64".
  std::string to_string() const;

  bool operator==(const TensorDims&) const = default;
};

inline constexpr int64_t kMaxTensorOrder = 8;
inline constexpr int64_t kDefaultFinestChunk = 128;

// The default rule of TENSORIZED.md for a maximum context of L tokens: n_d = 128,
// C = ceil(L / 128); L <= 128: d = 1 with n_1 = 128 (the rule fixes the finest chunk at 128 and a
// single dim is that chunk, so one session folding serves every L <= 128; padding is never read);
// L <= 32768: order 2, n = {C, 128}; above: order 3, n_2 = ceil(sqrt(C)), n_1 = ceil(C / n_2).
// L < 1 is treated as 1. Requires L < 2^31.
TensorDims default_dims(int64_t max_context);

// Parses "n_1xn_2x...xn_d" (coarsest first, 'x' or 'X' between decimal integers, no spaces).
// Returns an empty string and sets `out` on success; otherwise returns a message for a person
// (which part is wrong and what is expected) and leaves `out` unchanged.
std::string parse_dims(std::string_view text, TensorDims& out);

enum class TensorVariant {
  complete,  // Quire's default: closed/open states, every s <= t reaches t
  cone,      // the literal multi-hop reading: t sees only its product-order cone
};

enum class TensorRope {
  local,   // hop j rotates q and k at c_j(t), c_j(s): every distance stays below n_j
  global,  // every hop rotates at the absolute positions t, s
};

// out [n, n_head, head_dim] = tensorized causal attention of q [n, n_head, head_dim] over
// k, v [n, n_head_kv, head_dim]. q and k are UNROTATED: the op applies RoPE `rope` itself (kern
// rope semantics, kernels.h) at the positions `rope_kind` says; rope.n_rot == 0 means no RoPE.
// Requires 1 <= n <= dims.capacity(), n_head % n_head_kv == 0, valid dims. scale is usually
// 1/sqrt(head_dim). Threads: cpu splits fibers x heads over ex.pool. Memory: O(n n_head head_dim)
// for the states, never n x n.
#define QUIRE_TENSORIZED_OPS                                                                  \
  void attention_tensorized(const Exec& ex, float* out, const float* q, const float* k,      \
                            const float* v, int64_t n, int64_t n_head, int64_t n_head_kv,    \
                            int64_t head_dim, float scale, const TensorDims& dims,           \
                            TensorVariant variant, TensorRope rope_kind,                     \
                            const RopeParams& rope);

namespace ref {
QUIRE_TENSORIZED_OPS

// The dense equivalent (TENSORIZED.md), the oracle of the tests and of attention-span reports:
// m [n_head, n, n], m[h, t, s] = the weight output(t) of head h gives to v(s), so that
// out[t, h, :] = sum_s m[h, t, s] * v[s, kv(h), :]. cone: M = A_1 ... A_d; complete:
// C_{d+1} = O_{d+1} = I, C_j = W_j C_{j+1}, O_j = Own_j O_{j+1} + Past_j C_{j+1}, M = O_1.
// Same arguments and requirements as attention_tensorized; cost O(n^2 n_head sum(n_j)), meant for
// n up to ~1024.
void dense_tensorized_matrix(double* m, const float* q, const float* k, int64_t n, int64_t n_head,
                             int64_t n_head_kv, int64_t head_dim, float scale,
                             const TensorDims& dims, TensorVariant variant, TensorRope rope_kind,
                             const RopeParams& rope);
}  // namespace ref

namespace cpu {
QUIRE_TENSORIZED_OPS
}  // namespace cpu

// Defined by quire_kernels_cuda once the CUDA kernel lands; declared here so the three
// signatures cannot drift apart.
namespace cuda {
QUIRE_TENSORIZED_OPS
}  // namespace cuda

#undef QUIRE_TENSORIZED_OPS

}  // namespace kern
