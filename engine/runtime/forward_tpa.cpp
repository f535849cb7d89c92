// CpuForward's attention for "t6" models (Tensor Product Attention, TPA.md).
//
// Per chunk of n tokens and layer l, from the normed input h_:
//   A_Q = h W_aQ^T [n, H, RQ], B_Q = h W_bQ^T [n, RQ, D] (KV-only: Q = h W_q^T [n, H, D]);
//   A_K, B_K, A_V, B_V likewise; RoPE (the model's half-split rotation, convert_t6.py explains
//   the sign) on the rows of B_Q and B_K; the factor rows [A_K | B_K] and [A_V | B_V] are
//   appended to the cache (kernels/tpa.h layout); exact attention runs from the factors
//   (kern::cpu::tpa_decode_attention). Tensorized attention instead gets K = A_K B_K / RK,
//   V = A_V B_V / RV and Q, unrotated, materialized for the chunk only (its state keeps them).
// The attention recorder (single-token steps) needs keys in the plain layout, so while one is
// set the layer's K is materialized from the cache for it: O(n_kv H D) extra per recorded step.
#include <algorithm>
#include <cmath>

#include "engine/runtime/forward.h"
#include "kernels/kv_codec.h"
#include "kernels/tpa.h"

namespace quire::engine {

namespace {

// y [n, H, D] = (1/R) sum_r a[t, h, r] b[t, r, :] for each token t, rows read with strides
// a_stride and b_stride between tokens.
void factor_product(float* y, const float* a, int64_t a_stride, const float* b, int64_t b_stride,
                    int64_t n, int64_t H, int64_t R, int64_t D) {
  const float inv = 1.0f / float(R);
  for (int64_t t = 0; t < n; ++t) {
    const float* at = a + t * a_stride;
    const float* bt = b + t * b_stride;
    for (int64_t h = 0; h < H; ++h) {
      float* yh = y + (t * H + h) * D;
      std::fill(yh, yh + D, 0.0f);
      for (int64_t r = 0; r < R; ++r) {
        const float w = at[h * R + r] * inv;
        for (int64_t j = 0; j < D; ++j) yh[j] += w * bt[r * D + j];
      }
    }
  }
}

// Packs a [n, a_w] and b [n, b_w] into rows [n, row] = [a | b | 0].
void pack_rows(float* rows, int64_t row, const float* a, int64_t a_w, const float* b,
               int64_t b_w, int64_t n) {
  for (int64_t t = 0; t < n; ++t) {
    float* r = rows + t * row;
    std::copy(a + t * a_w, a + (t + 1) * a_w, r);
    std::copy(b + t * b_w, b + (t + 1) * b_w, r + a_w);
    std::fill(r + a_w + b_w, r + row, 0.0f);
  }
}

}  // namespace

Result<void> CpuForward::tpa_attention_layer(KvCache& cache, int64_t l, int64_t n, int64_t pos) {
  const Model& m = *model_;
  const ModelConfig& c = m.config();
  const LayerWeights& w = m.layer(l);
  const kern::Exec& ex = exec_;
  const kern::TpaShape shape{c.n_head, c.head_dim, c.rank_q, c.rank_k, c.rank_v};
  const int64_t H = c.n_head, D = c.head_dim, RQ = c.rank_q, RK = c.rank_k, RV = c.rank_v;
  const int64_t row = shape.row_elems(), qe = shape.query_elems();
  const int64_t rmax = std::max({RQ, RK, RV});
  auto grow = [](std::vector<float>& v, int64_t size) {
    if (static_cast<int64_t>(v.size()) < size) v.resize(size_t(size));
  };
  grow(tpa_q_, n * qe);
  grow(tpa_k_, n * row);
  grow(tpa_v_, n * row);
  grow(tpa_a_, n * H * rmax);
  grow(tpa_b_, n * std::max(rmax, H) * D);
  auto mm = [&](float* y, const WeightView& wv) {
    kern::cpu::matmul_w(ex, y, h_.data(), wv.data, wv.type, n, wv.rows, wv.cols);
  };
  const kern::RopeParams rope = m.rope_params();
  const bool tensorized = tensorized_now();
  float* a = tpa_a_.data();
  float* b = tpa_b_.data();

  // Query factors: [A_Q | B_Q] per token, or Q for KV-only; materialized unrotated Q for the
  // tensorized state, then B_Q (Q) rotated in place.
  if (RQ == 0) {
    mm(tpa_q_.data(), w.wq);
    if (tensorized) std::copy(tpa_q_.begin(), tpa_q_.begin() + n * qe, q_.begin());
    kern::cpu::rope(ex, tpa_q_.data(), pos_.data(), n, H, D, rope);
  } else {
    mm(a, w.wa_q);
    mm(b, w.wb_q);
    if (tensorized) factor_product(q_.data(), a, H * RQ, b, RQ * D, n, H, RQ, D);
    kern::cpu::rope(ex, b, pos_.data(), n, RQ, D, rope);
    pack_rows(tpa_q_.data(), qe, a, H * RQ, b, RQ * D, n);
  }
  // Keys: materialized unrotated for the tensorized state, then B_K rotated and packed.
  mm(a, w.wa_k);
  mm(b, w.wb_k);
  if (tensorized) factor_product(k_.data(), a, H * RK, b, RK * D, n, H, RK, D);
  kern::cpu::rope(ex, b, pos_.data(), n, RK, D, rope);
  pack_rows(tpa_k_.data(), row, a, H * RK, b, RK * D, n);
  // Values.
  mm(a, w.wa_v);
  mm(b, w.wb_v);
  if (tensorized) factor_product(v_.data(), a, H * RV, b, RV * D, n, H, RV, D);
  pack_rows(tpa_v_.data(), row, a, H * RV, b, RV * D, n);

  if (tensorized) {  // q and k unrotated: the state rotates per hop
    auto ok = states_[size_t(l)].append(ex, q_.data(), k_.data(), v_.data(), n, attn_.data());
    if (!ok) return ok;
    if (recorder_ && n == 1) {
      states_[size_t(l)].attention_row(pos, q_.data(), spans_);
      recorder_->record_spans(pos, static_cast<int32_t>(l), spans_);
    }
  }
  if (auto ok = cache.append(l, pos, n, tpa_k_.data(), tpa_v_.data()); !ok) return ok;
  if (tensorized) return {};

  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  const int64_t n_kv = cache.layer_size(l);
  const kern::KvType type = cache.config().type;
  kern::cpu::tpa_decode_attention(ex, attn_.data(), tpa_q_.data(), cache.k_data(l),
                                  cache.v_data(l), type, shape, n, n_kv, scale);
  if (recorder_ && n == 1) {
    // Rotated Q [H, D] and the layer's K [n_kv, H, D], materialized for the recorder only.
    std::vector<float> q(static_cast<size_t>(H * D)), keys(static_cast<size_t>(n_kv * H * D));
    std::vector<float> k_row(static_cast<size_t>(row));
    if (RQ == 0) {
      std::copy(tpa_q_.begin(), tpa_q_.begin() + H * D, q.begin());
    } else {
      factor_product(q.data(), tpa_q_.data(), qe, tpa_q_.data() + H * RQ, qe, 1, H, RQ, D);
    }
    const int64_t rb = kern::kv_row_bytes(type, row);
    const auto* kd = static_cast<const uint8_t*>(cache.k_data(l));
    for (int64_t t = 0; t < n_kv; ++t) {
      kern::kv_decode_row(type, kd + t * rb, k_row.data(), row);
      factor_product(keys.data() + t * H * D, k_row.data(), row, k_row.data() + H * RK, row, 1,
                     H, RK, D);
    }
    recorder_->record_layer(pos, static_cast<int32_t>(l), q.data(), keys.data(),
                            kern::KvType::f32, n_kv, H, H, D, scale);
  }
  return {};
}

}  // namespace quire::engine
