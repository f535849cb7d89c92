// AttentionRecorder: what each generated token looked at, for citations and span reports.
//
// For a single-token step (decode) the exact attention path hands the recorder each layer's
// rotated query and the layer's K cache; the recorder recomputes p_h = softmax(scale * q_h . K)
// for every query head h, averages over heads (w = mean_h p_h, so w sums to 1 over the n_kv
// positions), and keeps the top_k positions of w plus the mass they hold. Multi-token chunks
// (prefill) and tensorized attention are not recorded: citations come from the answer tokens.
//
// Cost: O(n_head * n_kv * head_dim) per layer and token, the order of the attention op itself,
// on the calling thread (the op runs on the pool); memory O(n_kv) scratch plus top_k entries
// per layer and step kept.
//
// Numerics: scores in float32 from the cache rows decoded with kern::kv_decode_row, so the
// weights are those the attention op uses up to float rounding order (the op is tiled).
//
// Ownership and threads: owned by the caller, borrowed by Session/CpuForward while attached
// (set_attention_recorder); used on the session's thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/attention/tensorized_state.h"
#include "kernels/kernels.h"

namespace quire::engine {

struct RecordedPosition {
  int64_t position = 0;  // key position in the session's sequence (the first, for a span)
  float weight = 0.0f;   // head-averaged softmax weight, in [0, 1]
  // Positions [position, position + length) share `weight` as a whole, split in an unknown way
  // (tensorized attention's coarse blocks); 1 for exact attention.
  int64_t length = 1;
};

struct RecordedLayer {
  int32_t layer = 0;
  float kept_mass = 0.0f;                // sum of `top` weights (<= 1; the rest is not kept)
  std::vector<RecordedPosition> top;     // the top_k largest weights, largest first
};

struct RecordedStep {
  int64_t position = 0;               // the query token's own position
  std::vector<RecordedLayer> layers;  // in layer order
};

class AttentionRecorder {
 public:
  static constexpr int kDefaultTopK = 64;

  // top_k < 1 is taken as 1.
  explicit AttentionRecorder(int top_k = kDefaultTopK);

  int top_k() const { return top_k_; }

  // Records one layer of the query at `position` (the last of the n_kv cached positions).
  // q [n_head, head_dim] f32, rotated; k [n_kv, n_head_kv, head_dim] rows in kv_type, as
  // kern::*::attention reads them; n_head a multiple of n_head_kv. A layer 0 call starts a new
  // step. Called by the forward pass; tests call it directly.
  void record_layer(int64_t position, int32_t layer, const float* q, const void* k,
                    kern::KvType kv_type, int64_t n_kv, int64_t n_head, int64_t n_head_kv,
                    int64_t head_dim, float scale);

  // Records one layer of the query at `position` from tensorized attention's spans (disjoint,
  // weights summing to 1): the top_k heaviest are kept. A layer 0 call starts a new step.
  void record_spans(int64_t position, int32_t layer, const std::vector<HopSpan>& spans);

  const std::vector<RecordedStep>& steps() const { return steps_; }
  void clear() { steps_.clear(); }

 private:
  int top_k_;
  std::vector<RecordedStep> steps_;
  std::vector<float> key_, scores_, mean_;  // scratch
  std::vector<int64_t> order_;              // scratch
};

}  // namespace quire::engine
