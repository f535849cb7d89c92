// kern::cpu::attention_tensorized against its kern::ref twin, and the folding helpers.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"
#include "tensorized_test_util.h"

namespace kern {
namespace {

TEST(TensorizedCpu, MatchesRefOverVariantsRopesGroupsOrdersAndPadding) {
  struct Case {
    TensorDims dims;
    int64_t n;
  };
  const Case cases[] = {{{{16}}, 16},       {{{16}}, 11},        {{{4, 8}}, 32},
                        {{{4, 8}}, 27},     {{{3, 4, 5}}, 60},   {{{3, 4, 5}}, 37},
                        {{{2, 150}}, 300},  {{{3, 70}}, 171},    {{{70, 3}}, 200}};
  const std::pair<int64_t, int64_t> heads[] = {{4, 4}, {4, 2}, {4, 1}};
  ThreadPool pool(2);
  uint32_t seed = 100;
  for (const Case& c : cases) {
    for (auto [hq, hkv] : heads) {
      const auto p = test::make_problem(c.n, hq, hkv, 16, ++seed);
      for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
        for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
          for (RopeMode mode : {RopeMode::normal, RopeMode::neox}) {
            const auto rope = test::test_rope(p.dim, mode);
            const auto want =
                test::run(&ref::attention_tensorized, p, c.dims, variant, rope_kind, rope);
            const auto got = test::run(&cpu::attention_tensorized, p, c.dims, variant, rope_kind,
                                       rope, Exec{&pool, nullptr});
            const auto serial =
                test::run(&cpu::attention_tensorized, p, c.dims, variant, rope_kind, rope);
            for (size_t i = 0; i < want.size(); ++i) {
              ASSERT_NEAR(got[i], want[i], 2e-5)
                  << "dims " << c.dims.to_string() << " n " << c.n << " heads " << hq << "/" << hkv
                  << " variant " << int(variant) << " rope " << int(rope_kind) << " at " << i;
              ASSERT_EQ(got[i], serial[i]) << "threads change the result at " << i;
            }
          }
        }
      }
    }
  }
}

TEST(TensorizedDims, StridesCoordinatesAndCapacity) {
  const TensorDims dims{{3, 4, 5}};
  EXPECT_EQ(dims.capacity(), 60);
  EXPECT_EQ(dims.stride(0), 20);
  EXPECT_EQ(dims.stride(1), 5);
  EXPECT_EQ(dims.stride(2), 1);
  // t = 2*20 + 3*5 + 4
  EXPECT_EQ(dims.coord(59, 0), 2);
  EXPECT_EQ(dims.coord(59, 1), 3);
  EXPECT_EQ(dims.coord(59, 2), 4);
  EXPECT_EQ(dims.coord(26, 0), 1);
  EXPECT_EQ(dims.coord(26, 1), 1);
  EXPECT_EQ(dims.coord(26, 2), 1);
  EXPECT_EQ(dims.to_string(), "3x4x5");
}

TEST(TensorizedDims, DefaultRule) {
  EXPECT_EQ(default_dims(0), TensorDims{{128}});
  EXPECT_EQ(default_dims(100), TensorDims{{128}});
  EXPECT_EQ(default_dims(128), TensorDims{{128}});
  EXPECT_EQ(default_dims(129), (TensorDims{{2, 128}}));
  EXPECT_EQ(default_dims(32768), (TensorDims{{256, 128}}));
  EXPECT_EQ(default_dims(32769), (TensorDims{{16, 17, 128}}));  // C = 257, n_2 = 17
  EXPECT_EQ(default_dims(131072), (TensorDims{{32, 32, 128}}));  // C = 1024
  EXPECT_EQ(default_dims(100000), (TensorDims{{28, 28, 128}}));  // C = 782, n_2 = 28
  for (int64_t L : {1, 127, 129, 1000, 4096, 32767, 32769, 65536, 99999, 131073, 1000000}) {
    EXPECT_GE(default_dims(L).capacity(), L) << L;
  }
}

TEST(TensorizedDims, ParsesAndRejectsWithReasons) {
  TensorDims d;
  EXPECT_EQ(parse_dims("32x64x64", d), "");
  EXPECT_EQ(d, (TensorDims{{32, 64, 64}}));
  EXPECT_EQ(parse_dims("7", d), "");
  EXPECT_EQ(d, TensorDims{{7}});
  EXPECT_EQ(parse_dims("2X3", d), "");
  EXPECT_EQ(d, (TensorDims{{2, 3}}));
  for (const char* bad : {"", "x", "32x", "x32", "32xx64", "3 2", "-4x8", "0x8", "4.5x2", "abc",
                          "65536x65536", "2x2x2x2x2x2x2x2x2", "99999999999999999999"}) {
    TensorDims keep{{5}};
    const std::string err = parse_dims(bad, keep);
    EXPECT_FALSE(err.empty()) << bad;
    EXPECT_EQ(keep, TensorDims{{5}}) << bad;
  }
  TensorDims keep;
  EXPECT_NE(parse_dims("0x8", keep).find("at least 1"), std::string::npos);
}

}  // namespace
}  // namespace kern
