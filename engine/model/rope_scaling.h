// RoPE scaling parameters that GGUF files imply but do not always store.
#pragma once

#include <cstdint>
#include <vector>

namespace quire::engine {

// Llama 3.1 "llama3" RoPE scaling as per-frequency divisors [n_rot / 2], the values llama.cpp's
// converter writes to rope_freqs.weight and kern::RopeParams::freq_factors expects.
// For frequency f_i = base^(-2i/n_rot) (computed in float32, as the converter does) with
// wavelength w = 2*pi / f_i, hi = original_context / high_freq_factor and
// lo = original_context / low_freq_factor:
//   w < hi          -> 1                       (high frequencies are kept)
//   w > lo          -> factor                  (low frequencies are slowed by `factor`)
//   otherwise       -> 1 / ((1 - s) / factor + s),  s = (original_context / w - low_freq_factor)
//                                                       / (high_freq_factor - low_freq_factor)
// Typical Llama 3.1 values: base 500000, factor 8, low 1, high 4, original_context 8192.
// Preconditions (callers validate the GGUF metadata): n_rot even > 0, factor > 0,
// high_freq_factor > low_freq_factor > 0, original_context > 0.
std::vector<float> llama3_rope_freq_factors(int64_t n_rot, float base, float factor,
                                            float low_freq_factor, float high_freq_factor,
                                            int64_t original_context);

}  // namespace quire::engine
