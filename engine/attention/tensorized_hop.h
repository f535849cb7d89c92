// The float numerics of one tensorized hop for a few query rows of one fiber, shared by the decode
// state (tensorized_state.h). They follow kern::cpu::attention_tensorized step by step (RoPE from
// cos/sin computed in double and rounded to float, scores q*scale.k summed over head dims in
// order, online softmax over tiles of 64 keys with its own running max per state), so that
// decoding reproduces the prefill kernel's floats operation for operation.
//
// Threads: a HopScratch belongs to one thread; RopeTable is read-only after construction.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

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

// One softmax's running state: max, sum and the weighted sum of value rows acc [head_dim].
struct OnlineSoftmax {
  float max = -INFINITY;
  float sum = 0;
  std::vector<float> acc;

  void reset(int64_t head_dim);
  // Folds entries [0, n) with scores sc and value rows value(b); raises the max over the whole
  // run first, exactly as the prefill kernel does for one tile.
  template <class ValueFn>
  void fold(const float* sc, int64_t n, ValueFn value);
  // out[e] = acc[e] * (1 / sum).
  void finish(float* out) const;

 private:
  void raise_max(const float* sc, int64_t n);
};

// Per-thread buffers of one fiber: keys transposed kt [head_dim, len] and tile scores.
struct HopScratch {
  std::vector<float> kt, sc, krow, qrow, qabs, cur, next;
  OnlineSoftmax soft;
};

inline constexpr int64_t kHopTile = 64;  // keys per tile: must equal the prefill kernel's

// Loads key rows key(b) (already rotated for the hop, head_dim each) for b in [0, len) into
// w.kt, transposed.
template <class KeyFn>
void load_keys(HopScratch& w, int64_t len, int64_t head_dim, KeyFn key) {
  w.kt.resize(size_t(len * head_dim));
  for (int64_t b = 0; b < len; ++b) {
    const float* kr = key(b);
    for (int64_t e = 0; e < head_dim; ++e) w.kt[size_t(e * len + b)] = kr[e];
  }
}

// sc[0, b1 - b0) = scale * q . keys [b0, b1) of w.kt (len keys in all), summed over head dims in
// order.
void tile_scores(HopScratch& w, const float* q, float scale, int64_t len, int64_t b0, int64_t b1,
                 int64_t head_dim);

template <class ValueFn>
void OnlineSoftmax::fold(const float* sc, int64_t n, ValueFn value) {
  raise_max(sc, n);
  const int64_t head_dim = int64_t(acc.size());
  for (int64_t b = 0; b < n; ++b) {
    const float p = std::exp(sc[b] - max);
    sum += p;
    const float* x = value(b);
    for (int64_t e = 0; e < head_dim; ++e) acc[size_t(e)] += p * x[e];
  }
}

}  // namespace quire::engine
