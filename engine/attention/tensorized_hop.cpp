// Float numerics of one tensorized hop (see tensorized_hop.h): the same operations, in the same
// order, as kern::cpu::attention_tensorized, so that decode reproduces prefill.
#include "engine/attention/tensorized_hop.h"

#include <algorithm>

namespace quire::engine {

RopeTable::RopeTable(const kern::RopeParams& p, int64_t first, int64_t n_pos)
    : first_(first), half_(p.n_rot / 2), mode_(p.mode) {
  cos_.resize(size_t(n_pos * half_));
  sin_.resize(cos_.size());
  std::vector<double> theta(static_cast<size_t>(half_));
  for (int64_t i = 0; i < half_; ++i) {
    const double ff = p.freq_factors ? double(p.freq_factors[i]) : 1.0;
    theta[size_t(i)] =
        double(p.freq_scale) * std::pow(double(p.base), -2.0 * double(i) / double(p.n_rot)) / ff;
  }
  for (int64_t r = 0; r < n_pos; ++r) {
    for (int64_t i = 0; i < half_; ++i) {
      const double angle = double(first + r) * theta[size_t(i)];
      cos_[size_t(r * half_ + i)] = float(std::cos(angle));
      sin_[size_t(r * half_ + i)] = float(std::sin(angle));
    }
  }
}

void RopeTable::rotate(float* dst, const float* src, int64_t head_dim, int64_t pos) const {
  std::copy(src, src + head_dim, dst);
  const float* c = cos_.data() + (pos - first_) * half_;
  const float* s = sin_.data() + (pos - first_) * half_;
  for (int64_t i = 0; i < half_; ++i) {
    const int64_t ia = mode_ == kern::RopeMode::normal ? 2 * i : i;
    const int64_t ib = mode_ == kern::RopeMode::normal ? 2 * i + 1 : i + half_;
    const float a = src[ia], b = src[ib];
    dst[ia] = a * c[i] - b * s[i];
    dst[ib] = a * s[i] + b * c[i];
  }
}

void OnlineSoftmax::reset(int64_t head_dim) {
  max = -INFINITY;
  sum = 0.0f;
  acc.assign(size_t(head_dim), 0.0f);
}

void OnlineSoftmax::raise_max(const float* sc, int64_t n) {
  if (n <= 0) return;
  const float tile_max = *std::max_element(sc, sc + n);
  if (tile_max > max) {
    const float factor = std::exp(max - tile_max);  // 0 on the first tile
    sum *= factor;
    for (float& a : acc) a *= factor;
    max = tile_max;
  }
}

void OnlineSoftmax::finish(float* out) const {
  const float inv = 1.0f / sum;
  for (size_t e = 0; e < acc.size(); ++e) out[e] = acc[e] * inv;
}

void tile_scores(HopScratch& w, const float* q, float scale, int64_t len, int64_t b0, int64_t b1,
                 int64_t head_dim) {
  const int64_t nb = b1 - b0;
  w.sc.resize(size_t(kHopTile));
  float* sc = w.sc.data();
  std::fill(sc, sc + nb, 0.0f);
  for (int64_t e = 0; e < head_dim; ++e) {
    const float qe = q[e] * scale;
    const float* kr = w.kt.data() + e * len + b0;
    for (int64_t b = 0; b < nb; ++b) sc[b] += qe * kr[b];
  }
}

}  // namespace quire::engine
