// The float numerics of one fiber of one tensorized hop (TENSORIZED.md), shared by the prefill
// kernel (kernels/cpu/attention_tensorized.cpp) and the decode state
// (engine/attention/tensorized_state.cpp), so that decode reproduces prefill bit for bit.
//
// Contract that makes the sharing exact: every output element below is one fixed sequence of
// IEEE float multiplies and adds (never fused: the file is built with -ffp-contract=off) whose
// order depends only on the element's own inputs, never on how many rows are processed at once,
// on the number of columns computed, on the vector width or on which ISA clone runs. A caller may
// therefore compute a block of rows (prefill) or a single row (decode) and get the same floats.
//
// Threads: every function is pure apart from its output buffers; call from any thread.
#pragma once

#include <cstdint>

namespace kern::cpu {

// Keys are held transposed, kt[e * ld_k + b]; ld_k must be a multiple of kFiberKeyAlign and the
// columns [n_keys, ld_k) must hold finite values (zeros): fiber_scores computes whole groups.
inline constexpr int64_t kFiberKeyAlign = 16;
inline int64_t fiber_keys_ld(int64_t n_keys) {
  return (n_keys + kFiberKeyAlign - 1) / kFiberKeyAlign * kFiberKeyAlign;
}

// s[r * ld_s + b] = sum over e = 0, 1, ..., head_dim-1 (in that order, starting from 0) of
// qs[r * head_dim + e] * kt[e * ld_k + b], for r < rows and b < fiber_keys_ld(n_keys).
// qs holds the queries already multiplied by the softmax scale. ld_s >= fiber_keys_ld(n_keys).
void fiber_scores(float* s, int64_t ld_s, const float* qs, int64_t rows, const float* kt,
                  int64_t ld_k, int64_t n_keys, int64_t head_dim);

// The largest of s[0, n) (n >= 1); entries that are NaN may or may not be ignored.
float fiber_max(const float* s, int64_t n);

// p[b] = exp(s[b] - max) for b < n (max is the caller's max of its own entries, so every
// argument is <= 0; arguments below -87 or NaN give 0), by one fixed polynomial (relative error
// ~2e-7); returns the sum of p[0, n) in a fixed order that depends on n only: sixteen lane sums
// (lane i adds p[i], p[i + 16], ... in order) added lane 0 first. p and s hold n floats.
float fiber_exp_sum(float* p, const float* s, int64_t n, float max);

// acc[r * head_dim + e] += p[r * ld_p + b] * x[b][e] for b = b0, ..., b1-1 in that order, for
// r < rows and e < head_dim. x[b] points at a value row of head_dim floats.
void fiber_accumulate(float* acc, const float* p, int64_t ld_p, int64_t rows,
                      const float* const* x, int64_t b0, int64_t b1, int64_t head_dim);

// out[e] = acc[e] * (1 / sum).
void fiber_normalize(float* out, const float* acc, float sum, int64_t head_dim);

}  // namespace kern::cpu
