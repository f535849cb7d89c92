// Algorithm: decode each cached K row once (per position and kv head), dot it with the query
// heads that read it into scores[h][j], softmax each head's row (max-subtracted, float32), and
// average over heads into mean[j]; the top_k positions come from a partial sort of the indices
// (ties: the earlier position first, so the choice is deterministic).
// Parallelization: none; see the header for why its cost is acceptable. Measured
// (tests/bench/bench_attention_recorder, 32 heads / 8 kv heads of 128, f16 cache, on a shared
// 2-core machine, so only roughly): per layer and decode step, 7.1 ms vs 8.6 ms for
// kern::cpu::attention on 2 threads at 1024 positions, 56 ms vs 64 ms at 8192: the recorder
// costs about as much again as the decode attention, i.e. it roughly doubles the attention part
// of a decode step (the weight GEMVs, the larger part at these lengths, are unchanged).
// Tensorized attention's hop-weight spans (TensorizedState::attention_row, same benchmark, CPU
// time, one thread): 136 us vs 405 us for the decode step's TensorizedState::append at 1024
// tokens (+34%), 171 us vs 1095 us at 8192 (+16%): cheaper than exact recording, as it reads
// only the sum(n_j) keys of the token's fibers.
#include "engine/runtime/attention_recorder.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/kv_codec.h"

namespace quire::engine {

AttentionRecorder::AttentionRecorder(int top_k) : top_k_(std::max(1, top_k)) {}

void AttentionRecorder::record_layer(int64_t position, int32_t layer, const float* q,
                                     const void* k, kern::KvType kv_type, int64_t n_kv,
                                     int64_t n_head, int64_t n_head_kv, int64_t head_dim,
                                     float scale) {
  if (layer == 0 || steps_.empty()) steps_.push_back(RecordedStep{position, {}});
  RecordedLayer out;
  out.layer = layer;
  if (n_kv <= 0 || n_head <= 0 || n_head_kv <= 0 || head_dim <= 0) {
    steps_.back().layers.push_back(std::move(out));
    return;
  }
  const int64_t group = n_head / n_head_kv;
  const int64_t row_bytes = kern::kv_row_bytes(kv_type, head_dim);
  key_.resize(size_t(head_dim));
  scores_.resize(size_t(n_head * n_kv));
  const auto* base = static_cast<const unsigned char*>(k);
  for (int64_t j = 0; j < n_kv; ++j) {
    for (int64_t g = 0; g < n_head_kv; ++g) {
      kern::kv_decode_row(kv_type, base + (j * n_head_kv + g) * row_bytes, key_.data(),
                          head_dim);
      for (int64_t h = g * group; h < (g + 1) * group; ++h) {
        const float* qh = q + h * head_dim;
        float dot = 0.0f;
        for (int64_t d = 0; d < head_dim; ++d) dot += qh[d] * key_[size_t(d)];
        scores_[size_t(h * n_kv + j)] = dot * scale;
      }
    }
  }
  mean_.assign(size_t(n_kv), 0.0f);
  const float inv_heads = 1.0f / static_cast<float>(n_head);
  for (int64_t h = 0; h < n_head; ++h) {
    float* row = scores_.data() + h * n_kv;
    const float mx = *std::max_element(row, row + n_kv);
    float sum = 0.0f;
    for (int64_t j = 0; j < n_kv; ++j) {
      row[j] = std::exp(row[j] - mx);
      sum += row[j];
    }
    const float norm = inv_heads / sum;
    for (int64_t j = 0; j < n_kv; ++j) mean_[size_t(j)] += row[j] * norm;
  }
  const int64_t keep = std::min<int64_t>(top_k_, n_kv);
  order_.resize(size_t(n_kv));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  std::partial_sort(order_.begin(), order_.begin() + keep, order_.end(),
                    [this](int64_t a, int64_t b) {
                      const float wa = mean_[size_t(a)], wb = mean_[size_t(b)];
                      return wa > wb || (wa == wb && a < b);
                    });
  out.top.reserve(size_t(keep));
  for (int64_t i = 0; i < keep; ++i) {
    const int64_t j = order_[size_t(i)];
    out.top.push_back({j, mean_[size_t(j)]});
    out.kept_mass += mean_[size_t(j)];
  }
  steps_.back().layers.push_back(std::move(out));
}

void AttentionRecorder::record_spans(int64_t position, int32_t layer,
                                     const std::vector<HopSpan>& spans) {
  if (layer == 0 || steps_.empty()) steps_.push_back(RecordedStep{position, {}});
  RecordedLayer out;
  out.layer = layer;
  const int64_t n = int64_t(spans.size());
  const int64_t keep = std::min<int64_t>(top_k_, n);
  order_.resize(size_t(n));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  std::partial_sort(order_.begin(), order_.begin() + keep, order_.end(),
                    [&spans](int64_t a, int64_t b) {
                      const HopSpan& sa = spans[size_t(a)];
                      const HopSpan& sb = spans[size_t(b)];
                      return sa.weight > sb.weight ||
                             (sa.weight == sb.weight && sa.start < sb.start);
                    });
  out.top.reserve(size_t(keep));
  for (int64_t i = 0; i < keep; ++i) {
    const HopSpan& span = spans[size_t(order_[size_t(i)])];
    out.top.push_back({span.start, float(span.weight), span.length});
    out.kept_mass += float(span.weight);
  }
  steps_.back().layers.push_back(std::move(out));
}

}  // namespace quire::engine
