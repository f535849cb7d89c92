// kern::cpu::rope.
// Algorithm: the inverse frequencies base^(-2i/n_rot) * freq_scale / ff[i] are computed once per
// call; per token, a cos/sin table [n_rot/2] is built once and applied to every head, so trig
// cost is n_tokens x n_rot/2 instead of x n_heads. Normal mode rotates adjacent pairs, neox
// rotates halves; the neox loop is unit-stride and vectorizes.
// Parallelization: tokens over Exec::pool. Numerics: angles and their cos/sin are computed in
// double (a float angle at position 128k would be off by ~1e-2 rad), the rotation in float.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {

void rope(const Exec& ex, float* x, const int32_t* pos, int64_t n_tokens, int64_t n_heads,
          int64_t head_dim, const RopeParams& p) {
  const int64_t half = p.n_rot / 2;
  std::vector<double> inv_freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    const double ff = p.freq_factors ? double(p.freq_factors[i]) : 1.0;
    inv_freq[size_t(i)] = double(p.freq_scale) *
                          std::pow(double(p.base), -2.0 * double(i) / double(p.n_rot)) / ff;
  }
  auto body = [&](int64_t begin, int64_t end) {
    std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));
    for (int64_t t = begin; t < end; ++t) {
      for (int64_t i = 0; i < half; ++i) {
        const double angle = double(pos[t]) * inv_freq[size_t(i)];
        cos_t[size_t(i)] = float(std::cos(angle));
        sin_t[size_t(i)] = float(std::sin(angle));
      }
      const float* c = cos_t.data();
      const float* s = sin_t.data();
      for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + (t * n_heads + h) * head_dim;
        if (p.mode == RopeMode::neox) {
          float* a = v;
          float* b = v + half;
          for (int64_t i = 0; i < half; ++i) {
            const float ai = a[i], bi = b[i];
            a[i] = ai * c[i] - bi * s[i];
            b[i] = ai * s[i] + bi * c[i];
          }
        } else {
          for (int64_t i = 0; i < half; ++i) {
            const float ai = v[2 * i], bi = v[2 * i + 1];
            v[2 * i] = ai * c[i] - bi * s[i];
            v[2 * i + 1] = ai * s[i] + bi * c[i];
          }
        }
      }
    }
  };
  if (ex.pool == nullptr) {
    body(0, n_tokens);
  } else {
    const int64_t grain = std::max<int64_t>(1, 8192 / std::max<int64_t>(1, n_heads * p.n_rot));
    ex.pool->parallel_for(n_tokens, grain, body);
  }
}

}  // namespace kern::cpu
