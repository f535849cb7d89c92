// kern::cpu::fast_exp: a float exp that loops auto-vectorize, for softmax and SiLU.
// Why: std::exp is an opaque libm call per element, so a loop over it stays scalar; in a
// 512-token prefill of a small model the attention softmax and SwiGLU spent ~7% of the time
// in __expf. Inlined into a QUIRE_AVX2_CLONES function this becomes 8-wide AVX2 code.
// Algorithm (Cephes expf): n = round(x / ln 2) by the 1.5 * 2^23 shifter, r = x - n ln 2 in two
// parts (Cody-Waite), exp(r) = 1 + r + r^2 P(r) with a degree-5 minimax P on |r| <= ln2 / 2,
// times 2^n built in the exponent bits. Branch-free: only selects and clamps. Build note: GCC
// jump-threads the clamps into branches that it if-converts back only with -fno-trapping-math
// (it will not speculate a float multiply that might trap), so files whose loops call it get
// that flag (kernels/CMakeLists.txt); it changes no result, IEEE ops round the same.
// Contract: relative error below 4e-7 (about 3 ulp) for x in [-87, 88] (tests/kernels/
// test_fast_exp.cpp); exp(x) for x > 88 gives exp(88) ~ 1.65e38 (finite, so x / (1 + exp(-x))
// stays finite and ~0 for very negative x); x < -87 (and -inf) gives exactly 0 (subnormal
// results are flushed). NaN input gives an unspecified value: callers pass finite scores.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace kern::cpu {

inline float fast_exp(float x) {
  constexpr float kShifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float xc = std::min(std::max(x, -87.0f), 88.0f);
  const float t = xc * kLog2e + kShifter;
  const float n = t - kShifter;  // round(xc / ln 2), in [-126, 127]
  const float r = (xc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = (p * r) * r + r + 1.0f;
  const int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kShifter);
  const float scale = std::bit_cast<float>(static_cast<int32_t>(static_cast<uint32_t>(ni + 127) << 23));
  const uint32_t keep = 0u - static_cast<uint32_t>(x >= -87.0f);
  return std::bit_cast<float>(std::bit_cast<uint32_t>(er * scale) & keep);
}

}  // namespace kern::cpu
