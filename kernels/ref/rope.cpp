// kern::ref::rope: the textbook rotation, one pair at a time, angles and products in double.
#include <cmath>

#include "kernels/kernels.h"

namespace kern::ref {

void rope(const Exec&, float* x, const int32_t* pos, int64_t n_tokens, int64_t n_heads,
          int64_t head_dim, const RopeParams& p) {
  const int64_t half = p.n_rot / 2;
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const double ff = p.freq_factors ? double(p.freq_factors[i]) : 1.0;
        const double angle = double(pos[t]) * double(p.freq_scale) *
                             std::pow(double(p.base), -2.0 * double(i) / double(p.n_rot)) / ff;
        const int64_t ia = p.mode == RopeMode::normal ? 2 * i : i;
        const int64_t ib = p.mode == RopeMode::normal ? 2 * i + 1 : i + half;
        const double a = v[ia], b = v[ib];
        v[ia] = float(a * std::cos(angle) - b * std::sin(angle));
        v[ib] = float(a * std::sin(angle) + b * std::cos(angle));
      }
    }
  }
}

}  // namespace kern::ref
