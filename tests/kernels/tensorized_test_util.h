// Shared inputs and an independent full causal attention for the tensorized attention tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/tensorized.h"

namespace kern::test {

// One attention problem: q [n, hq, dim], k and v [n, hkv, dim], unrotated.
struct Problem {
  int64_t n = 0, hq = 1, hkv = 1, dim = 16;
  std::vector<float> q, k, v;
  float scale() const { return 1.0f / std::sqrt(float(dim)); }
};

inline Problem make_problem(int64_t n, int64_t hq, int64_t hkv, int64_t dim, uint32_t seed) {
  Problem p{n, hq, hkv, dim, {}, {}, {}};
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  p.q.resize(size_t(n * hq * dim));
  p.k.resize(size_t(n * hkv * dim));
  p.v.resize(size_t(n * hkv * dim));
  for (auto* x : {&p.q, &p.k, &p.v}) {
    for (float& e : *x) e = dist(rng);
  }
  return p;
}

inline RopeParams test_rope(int64_t dim, RopeMode mode = RopeMode::normal) {
  return RopeParams{mode, dim - 2, 10000.0f, 1.0f, nullptr};
}

template <class Fn>
std::vector<float> run(Fn fn, const Problem& p, const TensorDims& dims, TensorVariant variant,
                       TensorRope rope_kind, const RopeParams& rope, const Exec& ex = {}) {
  std::vector<float> out(size_t(p.n * p.hq * p.dim), -1.0f);
  fn(ex, out.data(), p.q.data(), p.k.data(), p.v.data(), p.n, p.hq, p.hkv, p.dim, p.scale(), dims,
     variant, rope_kind, rope);
  return out;
}

// Textbook causal attention over tokens [0, n) with RoPE at absolute positions, in double:
// written from the definition, sharing nothing with the tensorized code but kern::ref::rope.
inline std::vector<double> full_causal(const Problem& p, int64_t n, const RopeParams& rope) {
  std::vector<float> q(p.q.begin(), p.q.begin() + n * p.hq * p.dim);
  std::vector<float> k(p.k.begin(), p.k.begin() + n * p.hkv * p.dim);
  std::vector<int32_t> pos(static_cast<size_t>(n));
  for (int64_t t = 0; t < n; ++t) pos[size_t(t)] = int32_t(t);
  ref::rope({}, q.data(), pos.data(), n, p.hq, p.dim, rope);
  ref::rope({}, k.data(), pos.data(), n, p.hkv, p.dim, rope);
  std::vector<double> out(size_t(n * p.hq * p.dim), 0.0);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t h = 0; h < p.hq; ++h) {
      const int64_t g = h / (p.hq / p.hkv);
      std::vector<double> s(size_t(t + 1));
      double mx = -INFINITY, sum = 0;
      for (int64_t u = 0; u <= t; ++u) {
        double d = 0;
        for (int64_t e = 0; e < p.dim; ++e) {
          d += double(q[size_t((t * p.hq + h) * p.dim + e)]) *
               k[size_t((u * p.hkv + g) * p.dim + e)];
        }
        s[size_t(u)] = d * p.scale();
        mx = std::max(mx, s[size_t(u)]);
      }
      for (double& x : s) sum += (x = std::exp(x - mx));
      for (int64_t u = 0; u <= t; ++u) {
        for (int64_t e = 0; e < p.dim; ++e) {
          out[size_t((t * p.hq + h) * p.dim + e)] +=
              s[size_t(u)] / sum * p.v[size_t((u * p.hkv + g) * p.dim + e)];
        }
      }
    }
  }
  return out;
}

}  // namespace kern::test
