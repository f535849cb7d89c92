#include "engine/model/rope_scaling.h"

#include <cmath>
#include <numbers>

namespace quire::engine {

std::vector<float> llama3_rope_freq_factors(int64_t n_rot, float base, float factor,
                                            float low_freq_factor, float high_freq_factor,
                                            int64_t original_context) {
  const double old_ctx = double(original_context);
  const double low_freq_wavelen = old_ctx / double(low_freq_factor);
  const double high_freq_wavelen = old_ctx / double(high_freq_factor);
  std::vector<float> factors;
  factors.reserve(size_t(n_rot / 2));
  for (int64_t i = 0; i < n_rot / 2; ++i) {
    // float32 like the converter's torch.arange(0, dim, 2, dtype=float32) / dim; the rest in
    // double like its Python floats, so values at band edges land on the same side.
    const float freq = 1.0f / std::pow(base, float(2 * i) / float(n_rot));
    const double wavelen = 2.0 * std::numbers::pi / double(freq);
    double ff;
    if (wavelen < high_freq_wavelen) {
      ff = 1.0;
    } else if (wavelen > low_freq_wavelen) {
      ff = double(factor);
    } else {
      const double smooth = (old_ctx / wavelen - double(low_freq_factor)) /
                            (double(high_freq_factor) - double(low_freq_factor));
      ff = 1.0 / ((1.0 - smooth) / double(factor) + smooth);
    }
    factors.push_back(float(ff));
  }
  return factors;
}

}  // namespace quire::engine
