// TensorizedState::attention_row against the dense equivalent kern::ref::dense_tensorized_matrix
// (the oracle, computed in double from the definition): for every token t, the spans are
// disjoint, cover exactly [0, t] (complete) or lie inside it (cone), and each span's weight is
// the head-averaged mass M puts on the span's positions; M puts no mass outside the spans.
// Both variants, both RoPE kinds, orders 1..3, GQA.
#include <gtest/gtest.h>

#include <vector>

#include "engine/attention/tensorized_state.h"
#include "tests/kernels/tensorized_test_util.h"

namespace quire::engine {
namespace {

using kern::TensorDims;
using kern::TensorRope;
using kern::TensorVariant;

struct Case {
  TensorDims dims;
  int64_t n;
};

TEST(TensorizedRow, SpansCarryTheDenseEquivalentsMass) {
  const Case cases[] = {{{{16}}, 13}, {{{4, 8}}, 30}, {{{3, 4, 5}}, 60}, {{{3, 4, 5}}, 41},
                        {{{2, 70}}, 140}};
  uint32_t seed = 900;
  int rows = 0;
  for (const Case& c : cases) {
    for (auto [hq, hkv] : {std::pair<int64_t, int64_t>{4, 4}, {4, 2}}) {
      const auto p = kern::test::make_problem(c.n, hq, hkv, 16, ++seed);
      for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
        for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
          const auto rope = kern::test::test_rope(p.dim);
          std::vector<double> m(size_t(hq * c.n * c.n));
          kern::ref::dense_tensorized_matrix(m.data(), p.q.data(), p.k.data(), c.n, hq, hkv,
                                             p.dim, p.scale(), c.dims, variant, rope_kind, rope);
          auto st = TensorizedState::create(
              TensorizedConfig{c.dims, variant, rope_kind, rope, hq, hkv, p.dim, p.scale()});
          ASSERT_TRUE(st) << st.error().message;
          std::vector<float> out(size_t(c.n * hq * p.dim));
          ASSERT_TRUE(st->append({}, p.q.data(), p.k.data(), p.v.data(), c.n, out.data()));
          std::vector<HopSpan> spans;
          for (int64_t t = 0; t < c.n; ++t) {
            st->attention_row(t, p.q.data() + t * hq * p.dim, spans);
            std::vector<double> mean(size_t(c.n), 0.0);  // head-averaged row t of M
            for (int64_t h = 0; h < hq; ++h) {
              for (int64_t s = 0; s < c.n; ++s) {
                mean[size_t(s)] += m[size_t((h * c.n + t) * c.n + s)] / double(hq);
              }
            }
            std::vector<int> covered(size_t(c.n), 0);
            double total = 0;
            for (const HopSpan& span : spans) {
              ASSERT_GE(span.start, 0);
              ASSERT_GE(span.length, 1);
              ASSERT_LE(span.start + span.length, t + 1) << "a span reaches past t = " << t;
              double mass = 0;
              for (int64_t s = span.start; s < span.start + span.length; ++s) {
                ++covered[size_t(s)];
                mass += mean[size_t(s)];
              }
              EXPECT_NEAR(span.weight, mass, 1e-5)
                  << "dims " << c.dims.to_string() << " variant " << int(variant) << " rope "
                  << int(rope_kind) << " t " << t << " span [" << span.start << ", +"
                  << span.length << ")";
              total += span.weight;
            }
            EXPECT_NEAR(total, 1.0, 1e-9);
            for (int64_t s = 0; s < c.n; ++s) {
              ASSERT_LE(covered[size_t(s)], 1) << "position " << s << " in two spans";
              if (covered[size_t(s)] == 0) {
                ASSERT_TRUE(variant == TensorVariant::cone || s > t)
                    << "complete must cover every s <= t; missed " << s << " at t " << t;
                EXPECT_NEAR(mean[size_t(s)], 0.0, 1e-12) << "mass outside the spans at " << s;
              }
            }
            ++rows;
          }
        }
      }
    }
  }
  EXPECT_GT(rows, 1000);
}

// d = 1 is exact attention: every span is one position.
TEST(TensorizedRow, OrderOneGivesSinglePositions) {
  const auto p = kern::test::make_problem(20, 2, 1, 8, 7);
  auto st = TensorizedState::create(TensorizedConfig{TensorDims{{32}}, TensorVariant::complete,
                                                     TensorRope::local, kern::test::test_rope(8),
                                                     2, 1, 8, p.scale()});
  ASSERT_TRUE(st);
  std::vector<float> out(size_t(20 * 2 * 8));
  ASSERT_TRUE(st->append({}, p.q.data(), p.k.data(), p.v.data(), 20, out.data()));
  std::vector<HopSpan> spans;
  st->attention_row(19, p.q.data() + 19 * 2 * 8, spans);
  ASSERT_EQ(spans.size(), 20u);
  for (size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i].start, int64_t(i));
    EXPECT_EQ(spans[i].length, 1);
  }
}

}  // namespace
}  // namespace quire::engine
