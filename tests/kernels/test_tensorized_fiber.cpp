// The fiber numerics shared by tensorized prefill and decode (kernels/cpu/tensorized_fiber.h):
// their results against double-precision definitions, and the contract that makes decode equal
// prefill: an element's floats do not depend on how many rows are processed at once or where a
// run of keys is split. Also kern::cpu::attention_tensorized against ref at head dims that use
// every column path of the blocked kernels (32-wide blocks, 16-wide blocks, a scalar tail).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/tensorized_fiber.h"
#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"
#include "tensorized_test_util.h"

namespace kern {
namespace {

std::vector<float> normal(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> x(n);
  for (float& e : x) e = dist(rng);
  return x;
}

TEST(TensorizedFiber, ScoresMatchDoubleAndDoNotDependOnRowBlocking) {
  for (int64_t dim : {16, 40, 128}) {
    for (int64_t n_keys : {1, 15, 16, 37, 64, 70}) {
      const int64_t rows = 7, ld = cpu::fiber_keys_ld(n_keys);
      const auto q = normal(size_t(rows * dim), uint32_t(dim + n_keys));
      auto kt = normal(size_t(dim * ld), uint32_t(3 * dim + n_keys));
      for (int64_t e = 0; e < dim; ++e) std::fill_n(kt.begin() + e * ld + n_keys, ld - n_keys, 0.f);
      std::vector<float> all(static_cast<size_t>(rows * ld)), one(static_cast<size_t>(ld));
      cpu::fiber_scores(all.data(), ld, q.data(), rows, kt.data(), ld, n_keys, dim);
      for (int64_t r = 0; r < rows; ++r) {
        cpu::fiber_scores(one.data(), ld, q.data() + r * dim, 1, kt.data(), ld, n_keys, dim);
        for (int64_t b = 0; b < n_keys; ++b) {
          ASSERT_EQ(one[size_t(b)], all[size_t(r * ld + b)]) << dim << " " << n_keys << " " << r;
          double want = 0;
          for (int64_t e = 0; e < dim; ++e) {
            want += double(q[size_t(r * dim + e)]) * kt[size_t(e * ld + b)];
          }
          ASSERT_NEAR(all[size_t(r * ld + b)], want, 1e-5 * std::sqrt(double(dim)));
        }
      }
    }
  }
}

TEST(TensorizedFiber, ExpMatchesStdExpAndIsElementwise) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-95.0f, 3.0f);
  std::vector<float> s(200);
  for (float& x : s) x = dist(rng);
  s[5] = 3.0f;  // the max: exp(0) must be exactly 1
  s[6] = NAN;
  const float mx = 3.0f;
  std::vector<float> p(s.size());
  const float sum = cpu::fiber_exp_sum(p.data(), s.data(), int64_t(s.size()), mx);
  double want_sum = 0;
  for (size_t b = 0; b < s.size(); ++b) {
    if (std::isnan(s[b])) {
      EXPECT_EQ(p[b], 0.0f);
      continue;
    }
    const float x = s[b] - mx;  // the argument as the kernel forms it, in float
    const double want = std::exp(double(x));
    want_sum += double(p[b]);
    if (x < -87.0f) {
      EXPECT_LE(p[b], 2e-38) << s[b];
    } else {
      EXPECT_NEAR(p[b], want, 4e-7 * want) << s[b];
    }
  }
  EXPECT_EQ(p[5], 1.0f);
  EXPECT_NEAR(sum, want_sum, 1e-6 * want_sum);
  // Each prefix gives the same elements (the tail runs the same vector code).
  for (int64_t n : {1, 9, 16, 17, 40}) {
    std::vector<float> q(static_cast<size_t>(n));
    cpu::fiber_exp_sum(q.data(), s.data(), n, mx);
    for (int64_t b = 0; b < n; ++b) ASSERT_EQ(q[size_t(b)], p[size_t(b)]) << n << " " << b;
  }
}

TEST(TensorizedFiber, MaxIsTheLargestEntry) {
  const auto s = normal(70, 11, 10.0f);
  for (int64_t n = 1; n <= 70; ++n) {
    EXPECT_EQ(cpu::fiber_max(s.data(), n), *std::max_element(s.begin(), s.begin() + n)) << n;
  }
}

TEST(TensorizedFiber, AccumulateMatchesDoubleAndDoesNotDependOnBlockingOrSplits) {
  for (int64_t dim : {16, 40, 48, 128}) {
    const int64_t rows = 6, n_keys = 23, ld = 32;
    const auto p = normal(size_t(rows * ld), uint32_t(dim));
    const auto xs = normal(size_t(n_keys * dim), uint32_t(dim + 1));
    std::vector<const float*> x(static_cast<size_t>(n_keys));
    for (int64_t b = 0; b < n_keys; ++b) x[size_t(b)] = xs.data() + b * dim;
    std::vector<float> all(size_t(rows * dim), 0.0f);
    cpu::fiber_accumulate(all.data(), p.data(), ld, rows, x.data(), 0, n_keys, dim);
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<float> one(size_t(dim), 0.0f);
      const int64_t split = 3 * r + 1;  // [0, split) then [split, n_keys), as prefill's open rows
      cpu::fiber_accumulate(one.data(), p.data() + r * ld, ld, 1, x.data(), 0, split, dim);
      cpu::fiber_accumulate(one.data(), p.data() + r * ld, ld, 1, x.data(), split, n_keys, dim);
      for (int64_t e = 0; e < dim; ++e) {
        ASSERT_EQ(one[size_t(e)], all[size_t(r * dim + e)]) << dim << " " << r << " " << e;
        double want = 0;
        for (int64_t b = 0; b < n_keys; ++b) {
          want += double(p[size_t(r * ld + b)]) * xs[size_t(b * dim + e)];
        }
        ASSERT_NEAR(all[size_t(r * dim + e)], want, 1e-5);
      }
    }
  }
}

TEST(TensorizedFiber, CpuMatchesRefAtWideHeadDims) {
  struct Case {
    TensorDims dims;
    int64_t n, dim;
  };
  const Case cases[] = {{{{3, 37}}, 100, 40}, {{{2, 3, 20}}, 110, 48}, {{{70}}, 66, 136}};
  ThreadPool pool(2);
  uint32_t seed = 900;
  for (const Case& c : cases) {
    const auto p = test::make_problem(c.n, 8, 2, c.dim, ++seed);
    for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
      for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
        const auto rope = test::test_rope(p.dim, RopeMode::neox);
        const auto want = test::run(&ref::attention_tensorized, p, c.dims, variant, rope_kind, rope);
        const auto got = test::run(&cpu::attention_tensorized, p, c.dims, variant, rope_kind, rope,
                                   Exec{&pool, nullptr});
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 3e-5)
              << "dims " << c.dims.to_string() << " dim " << c.dim << " variant " << int(variant)
              << " rope " << int(rope_kind) << " at " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kern
