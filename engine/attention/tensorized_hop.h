// The float numerics of one tensorized hop for one query row of one fiber, used by the decode
// state (tensorized_state.h). They follow kern::cpu::attention_tensorized step by step (RoPE from
// cos/sin computed in double and rounded to float, the query times scale, then the shared fiber
// numerics of kernels/cpu/tensorized_fiber.h: scores, exp with the row's own max, ordered sums),
// so that decoding reproduces the prefill kernel's floats operation for operation.
//
// Threads: a HopScratch belongs to one thread; RopeTable is read-only after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/tensorized_fiber.h"
#include "kernels/kernels.h"

namespace quire::engine {

// cos/sin [n_pos, n_rot/2] for positions [first, first + n_pos) of
// pos * freq_scale * base^(-2i/n_rot) / ff[i] (kern rope semantics). p.n_rot == 0: rotate()
// copies. p.freq_factors is read only here (not kept).
class RopeTable {
 public:
  RopeTable() = default;
  RopeTable(const kern::RopeParams& p, int64_t first, int64_t n_pos);

  // dst[0, head_dim) = src rotated to pos; pos in [first, first + n_pos). dst != src.
  void rotate(float* dst, const float* src, int64_t head_dim, int64_t pos) const;

 private:
  int64_t first_ = 0;
  int64_t half_ = 0;
  kern::RopeMode mode_ = kern::RopeMode::normal;
  std::vector<float> cos_, sin_;
};

// Per-thread buffers of one fiber: keys transposed kt [head_dim, kern::cpu::fiber_keys_ld(len)]
// (columns past len zero), scores and weights of one query row, the query rows and value rows.
struct HopScratch {
  std::vector<float> kt, sc, p, acc, krow, qrow, qabs, qs, cur, next;
  std::vector<const float*> values;
};

// Loads key rows key(b) (already rotated for the hop, head_dim each) for b in [0, len) into
// w.kt, transposed with the leading dimension kern::cpu::fiber_keys_ld(len).
template <class KeyFn>
void load_keys(HopScratch& w, int64_t len, int64_t head_dim, KeyFn key) {
  const int64_t ld = kern::cpu::fiber_keys_ld(len);
  w.kt.assign(size_t(ld * head_dim), 0.0f);
  for (int64_t b = 0; b < len; ++b) {
    const float* kr = key(b);
    for (int64_t e = 0; e < head_dim; ++e) w.kt[size_t(e * ld + b)] = kr[e];
  }
}

// One softmax row of a hop, as the prefill kernel computes it (kern::cpu fiber numerics): q (the
// rotated query, unscaled) against the len keys in w.kt; entries [0, n_past) weigh w.values[b],
// then, when self is not null, entry n_past weighs self (so len == n_past + 1). out [head_dim] =
// the normalized weighted sum. The max and sum are over exactly these entries.
void hop_row(HopScratch& w, const float* q, float scale, int64_t len, int64_t n_past,
             const float* self, int64_t head_dim, float* out);

}  // namespace quire::engine
