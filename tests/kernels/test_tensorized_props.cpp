// The properties TENSORIZED.md lists for tensorized attention, checked on the ref definition, its
// dense equivalent and the cpu kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"
#include "tensorized_test_util.h"

namespace kern {
namespace {

using test::make_problem;
using test::Problem;

constexpr TensorVariant kVariants[] = {TensorVariant::complete, TensorVariant::cone};
constexpr TensorRope kRopes[] = {TensorRope::local, TensorRope::global};

using OpFn = void (*)(const Exec&, float*, const float*, const float*, const float*, int64_t,
                      int64_t, int64_t, int64_t, float, const TensorDims&, TensorVariant,
                      TensorRope, const RopeParams&);

struct Impl {
  const char* name;
  OpFn fn;
};
constexpr Impl kImpls[] = {{"ref", &ref::attention_tensorized},
                           {"cpu", &cpu::attention_tensorized}};

std::vector<float> run_impl(const Impl& impl, const Problem& p, const TensorDims& dims,
                            TensorVariant variant, TensorRope rope_kind, const RopeParams& rope) {
  ThreadPool pool(2);
  return test::run(impl.fn, p, dims, variant, rope_kind, rope, Exec{&pool, nullptr});
}

std::vector<double> dense(const Problem& p, const TensorDims& dims, TensorVariant variant,
                          TensorRope rope_kind, const RopeParams& rope) {
  std::vector<double> m(size_t(p.hq * p.n * p.n));
  ref::dense_tensorized_matrix(m.data(), p.q.data(), p.k.data(), p.n, p.hq, p.hkv, p.dim,
                               p.scale(), dims, variant, rope_kind, rope);
  return m;
}

TEST(TensorizedProps, RefEqualsDenseMatrixTimesV) {
  const Problem p = make_problem(50, 4, 2, 16, 1);
  const TensorDims dims{{4, 2, 8}};
  for (TensorVariant variant : kVariants) {
    for (TensorRope rope_kind : kRopes) {
      const auto rope = test::test_rope(p.dim);
      const auto out = test::run(&ref::attention_tensorized, p, dims, variant, rope_kind, rope);
      const auto m = dense(p, dims, variant, rope_kind, rope);
      for (int64_t h = 0; h < p.hq; ++h) {
        const int64_t g = h / (p.hq / p.hkv);
        for (int64_t t = 0; t < p.n; ++t) {
          for (int64_t e = 0; e < p.dim; ++e) {
            double x = 0;
            for (int64_t s = 0; s < p.n; ++s) {
              x += m[size_t((h * p.n + t) * p.n + s)] * p.v[size_t((s * p.hkv + g) * p.dim + e)];
            }
            ASSERT_NEAR(out[size_t((t * p.hq + h) * p.dim + e)], x, 1e-5)
                << "variant " << int(variant) << " rope " << int(rope_kind) << " t " << t;
          }
        }
      }
    }
  }
}

// Changing q, k, v of every token after t leaves output(t) bit-identical; huge future keys
// (which break an `open` rescaled by a max over future entries) give no NaN.
TEST(TensorizedProps, CausalAndSafeAgainstHugeFutureKeys) {
  const TensorDims dims{{3, 4, 8}};
  const Problem base = make_problem(90, 4, 2, 16, 2);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      for (TensorRope rope_kind : kRopes) {
        const auto rope = test::test_rope(base.dim, RopeMode::neox);
        const auto ref_out = run_impl(impl, base, dims, variant, rope_kind, rope);
        for (int64_t cut : {0, 7, 8, 31, 45, 88}) {
          Problem p = base;
          for (int64_t t = cut + 1; t < p.n; ++t) {
            for (int64_t i = 0; i < p.hq * p.dim; ++i) p.q[size_t(t * p.hq * p.dim + i)] += 3.0f;
            for (int64_t i = 0; i < p.hkv * p.dim; ++i) {
              p.k[size_t(t * p.hkv * p.dim + i)] *= 1e4f;
              p.v[size_t(t * p.hkv * p.dim + i)] -= 5.0f;
            }
          }
          const auto out = run_impl(impl, p, dims, variant, rope_kind, rope);
          for (size_t i = 0; i < out.size(); ++i) {
            ASSERT_FALSE(std::isnan(out[i])) << impl.name << " cut " << cut << " at " << i;
          }
          for (int64_t i = 0; i < (cut + 1) * p.hq * p.dim; ++i) {
            ASSERT_EQ(out[size_t(i)], ref_out[size_t(i)])
                << impl.name << " variant " << int(variant) << " cut " << cut << " at " << i;
          }
        }
      }
    }
  }
}

TEST(TensorizedProps, CompleteReachesEverySPastTokenAndRowsSumToOne) {
  const Problem p = make_problem(512, 1, 1, 8, 3);
  const TensorDims dims{{8, 8, 8}};
  const auto m = dense(p, dims, TensorVariant::complete, TensorRope::local, test::test_rope(p.dim));
  for (int64_t t = 0; t < p.n; ++t) {
    double sum = 0;
    for (int64_t s = 0; s < p.n; ++s) {
      const double w = m[size_t(t * p.n + s)];
      sum += w;
      if (s <= t) {
        ASSERT_GT(w, 0.0) << t << " " << s;
      } else {
        ASSERT_EQ(w, 0.0) << t << " " << s;
      }
    }
    ASSERT_NEAR(sum, 1.0, 1e-12) << t;
  }
}

TEST(TensorizedProps, ConeSupportIsTheProductOrderCone) {
  const Problem p = make_problem(512, 1, 1, 8, 4);
  const TensorDims dims{{8, 8, 8}};
  const auto m = dense(p, dims, TensorVariant::cone, TensorRope::global, test::test_rope(p.dim));
  int64_t support = 0;
  for (int64_t t = 0; t < p.n; ++t) {
    double sum = 0;
    for (int64_t s = 0; s < p.n; ++s) {
      bool in_cone = true;
      for (int64_t j = 0; j < 3; ++j) in_cone = in_cone && dims.coord(s, j) <= dims.coord(t, j);
      const double w = m[size_t(t * p.n + s)];
      sum += w;
      ASSERT_EQ(w > 0.0, in_cone) << t << " " << s;
      support += in_cone;
    }
    ASSERT_NEAR(sum, 1.0, 1e-12);
  }
  const double causal_pairs = 512.0 * 513.0 / 2.0;
  EXPECT_EQ(support, 36 * 36 * 36);  // (1 + ... + 8)^3
  EXPECT_NEAR(double(support) / causal_pairs, 0.355, 0.005);  // "only 35% of the causal pairs"
}

TEST(TensorizedProps, OrderOneIsFullCausalAttention) {
  const Problem p = make_problem(50, 4, 2, 16, 5);
  const auto rope = test::test_rope(p.dim);
  const auto expected = test::full_causal(p, p.n, rope);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      for (TensorRope rope_kind : kRopes) {
        const auto out = run_impl(impl, p, TensorDims{{64}}, variant, rope_kind, rope);
        for (size_t i = 0; i < out.size(); ++i) {
          ASSERT_NEAR(out[i], expected[i], 2e-5) << impl.name << " at " << i;
        }
      }
    }
  }
}

TEST(TensorizedProps, FirstFinestChunkGetsFullCausalAttention) {
  const Problem p = make_problem(100, 2, 1, 16, 6);
  const auto rope = test::test_rope(p.dim);
  const auto expected = test::full_causal(p, 8, rope);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      for (TensorRope rope_kind : kRopes) {
        const auto out = run_impl(impl, p, TensorDims{{4, 4, 8}}, variant, rope_kind, rope);
        for (size_t i = 0; i < expected.size(); ++i) {
          ASSERT_NEAR(out[i], expected[i], 2e-5) << impl.name << " at " << i;
        }
      }
    }
  }
}

// For every t, the weights M[t, s] on t's own finest chunk are proportional to exact causal
// attention inside that chunk (RoPE is relative, so the chunk's own positions give the same).
TEST(TensorizedProps, OwnFinestChunkIsProportionalToExactCausalAttention) {
  const Problem p = make_problem(100, 2, 1, 16, 7);
  const auto rope = test::test_rope(p.dim);
  const TensorDims dims{{4, 4, 8}};
  for (TensorVariant variant : kVariants) {
    for (TensorRope rope_kind : kRopes) {
      const auto m = dense(p, dims, variant, rope_kind, rope);
      for (int64_t c0 = 0; c0 < p.n; c0 += 8) {
        const int64_t len = std::min<int64_t>(8, p.n - c0);
        Problem chunk{len, p.hq, p.hkv, p.dim, {}, {}, {}};
        chunk.q.assign(p.q.begin() + c0 * p.hq * p.dim, p.q.begin() + (c0 + len) * p.hq * p.dim);
        chunk.k.assign(p.k.begin() + c0 * p.hkv * p.dim, p.k.begin() + (c0 + len) * p.hkv * p.dim);
        // With v = one-hot rows, full causal attention returns the weights themselves.
        chunk.v.assign(size_t(len * p.hkv * p.dim), 0.0f);
        for (int64_t s = 0; s < len; ++s) chunk.v[size_t(s * p.dim + s)] = 1.0f;
        const auto w = test::full_causal(chunk, len, rope);
        for (int64_t h = 0; h < p.hq; ++h) {
          for (int64_t a = 0; a < len; ++a) {
            const int64_t t = c0 + a;
            double own = 0;
            for (int64_t b = 0; b <= a; ++b) own += m[size_t((h * p.n + t) * p.n + c0 + b)];
            for (int64_t b = 0; b <= a; ++b) {
              ASSERT_NEAR(m[size_t((h * p.n + t) * p.n + c0 + b)] / own,
                          w[size_t((a * p.hq + h) * p.dim + b)], 1e-6)
                  << "variant " << int(variant) << " t " << t << " s " << c0 + b;
            }
          }
        }
      }
    }
  }
}

// The first n outputs do not depend on how many padding positions the folding has, nor on
// whether the positions after n hold tokens.
TEST(TensorizedProps, PaddingInvariance) {
  const Problem full = make_problem(128, 2, 2, 16, 8);
  Problem part = full;
  part.n = 77;
  part.q.resize(size_t(part.n * part.hq * part.dim));
  part.k.resize(size_t(part.n * part.hkv * part.dim));
  part.v.resize(part.k.size());
  const auto rope = test::test_rope(full.dim);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      for (TensorRope rope_kind : kRopes) {
        const auto a = run_impl(impl, part, TensorDims{{4, 4, 8}}, variant, rope_kind, rope);
        const auto b = run_impl(impl, part, TensorDims{{16, 4, 8}}, variant, rope_kind, rope);
        const auto c = run_impl(impl, full, TensorDims{{4, 4, 8}}, variant, rope_kind, rope);
        for (size_t i = 0; i < a.size(); ++i) {
          ASSERT_EQ(a[i], b[i]) << impl.name << " at " << i;
          ASSERT_EQ(a[i], c[i]) << impl.name << " at " << i;
        }
      }
    }
  }
}

// Rows at and after n are padding and are never read: filling them with NaN changes nothing
// (weight 0 would not be enough, since 0 * NaN = NaN).
TEST(TensorizedProps, PaddingRowsAreNeverRead) {
  const Problem exact = make_problem(45, 4, 2, 16, 10);
  const TensorDims dims{{3, 4, 5}};
  Problem padded = exact;  // same n; the buffers run on to P rows of NaN
  const float nan = std::nanf("");
  padded.q.resize(size_t(dims.capacity() * padded.hq * padded.dim), nan);
  padded.k.resize(size_t(dims.capacity() * padded.hkv * padded.dim), nan);
  padded.v.resize(padded.k.size(), nan);
  const auto rope = test::test_rope(exact.dim);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      for (TensorRope rope_kind : kRopes) {
        const auto a = run_impl(impl, exact, dims, variant, rope_kind, rope);
        const auto b = run_impl(impl, padded, dims, variant, rope_kind, rope);
        for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << impl.name << " at " << i;
      }
    }
  }
}

// Grouped-query heads equal multi-head attention with each kv head repeated for its group.
TEST(TensorizedProps, GqaEqualsRepeatedKvHeads) {
  const Problem gqa = make_problem(60, 6, 2, 16, 9);
  Problem mha = gqa;
  mha.hkv = 6;
  mha.k.resize(size_t(mha.n * 6 * mha.dim));
  mha.v.resize(mha.k.size());
  for (int64_t t = 0; t < mha.n; ++t) {
    for (int64_t h = 0; h < 6; ++h) {
      for (int64_t e = 0; e < mha.dim; ++e) {
        mha.k[size_t((t * 6 + h) * mha.dim + e)] = gqa.k[size_t((t * 2 + h / 3) * mha.dim + e)];
        mha.v[size_t((t * 6 + h) * mha.dim + e)] = gqa.v[size_t((t * 2 + h / 3) * mha.dim + e)];
      }
    }
  }
  const auto rope = test::test_rope(gqa.dim);
  for (const Impl& impl : kImpls) {
    for (TensorVariant variant : kVariants) {
      const auto a = run_impl(impl, gqa, TensorDims{{2, 4, 8}}, variant, TensorRope::local, rope);
      const auto b = run_impl(impl, mha, TensorDims{{2, 4, 8}}, variant, TensorRope::local, rope);
      for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6) << impl.name << i;
    }
  }
}

}  // namespace
}  // namespace kern
