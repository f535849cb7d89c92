// Float numerics of one tensorized hop (see tensorized_hop.h): the same operations, in the same
// order, as kern::cpu::attention_tensorized, so that decode reproduces prefill.
#include "engine/attention/tensorized_hop.h"

#include <algorithm>
#include <cmath>

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

void hop_row(HopScratch& w, const float* q, float scale, int64_t len, int64_t n_past,
             const float* self, int64_t head_dim, float* out) {
  const int64_t ld = kern::cpu::fiber_keys_ld(len);
  w.qs.resize(size_t(head_dim));
  for (int64_t e = 0; e < head_dim; ++e) w.qs[size_t(e)] = q[e] * scale;
  w.sc.resize(size_t(ld));
  w.p.resize(size_t(ld));
  w.acc.assign(size_t(head_dim), 0.0f);
  kern::cpu::fiber_scores(w.sc.data(), ld, w.qs.data(), 1, w.kt.data(), ld, len, head_dim);
  const float sum = kern::cpu::fiber_exp_sum(w.p.data(), w.sc.data(), len,
                                             kern::cpu::fiber_max(w.sc.data(), len));
  kern::cpu::fiber_accumulate(w.acc.data(), w.p.data(), ld, 1, w.values.data(), 0, n_past,
                              head_dim);
  if (self != nullptr) {
    kern::cpu::fiber_accumulate(w.acc.data(), w.p.data() + n_past, ld, 1, &self, 0, 1, head_dim);
  }
  kern::cpu::fiber_normalize(out, w.acc.data(), sum, head_dim);
}

}  // namespace quire::engine
