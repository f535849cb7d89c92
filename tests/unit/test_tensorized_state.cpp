// TensorizedState (decode) against prefill: kern::cpu::attention_tensorized (the same float
// numerics: bit-identical is expected) and kern::ref (double: within float rounding), over both
// variants, both RoPE kinds, orders 1..3, GQA, tiles longer than 64 and every split point kind;
// chunking and snapshot round trips; memory accounting; refusals.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "engine/attention/tensorized_state.h"
#include "kernels/thread_pool.h"
#include "tests/kernels/tensorized_test_util.h"

namespace quire::engine {
namespace {

using kern::TensorDims;
using kern::TensorRope;
using kern::TensorVariant;

TensorizedConfig config_for(const kern::test::Problem& p, const TensorDims& dims,
                            TensorVariant variant, TensorRope rope_kind,
                            const kern::RopeParams& rope) {
  return TensorizedConfig{dims, variant, rope_kind, rope, p.hq, p.hkv, p.dim, p.scale()};
}

// Outputs of tokens [0, n) fed to a fresh state in chunks of the given sizes (the last repeats).
std::vector<float> decode(const TensorizedConfig& cfg, const kern::test::Problem& p,
                          std::vector<int64_t> chunks, const kern::Exec& ex = {}) {
  auto st = TensorizedState::create(cfg);
  EXPECT_TRUE(st.ok()) << st.error().message;
  std::vector<float> out(size_t(p.n * p.hq * p.dim), -7.0f);
  int64_t t = 0;
  for (size_t i = 0; t < p.n; i = std::min(i + 1, chunks.size() - 1)) {
    const int64_t m = std::min(chunks[i], p.n - t);
    const auto r = st->append(ex, p.q.data() + t * p.hq * p.dim, p.k.data() + t * p.hkv * p.dim,
                              p.v.data() + t * p.hkv * p.dim, m, out.data() + t * p.hq * p.dim);
    EXPECT_TRUE(r.ok()) << r.error().message;
    t += m;
  }
  EXPECT_EQ(st->size(), p.n);
  return out;
}

struct Case {
  TensorDims dims;
  int64_t n;
};

const Case kCases[] = {{{{16}}, 16},     {{{16}}, 11},      {{{4, 8}}, 32},  {{{4, 8}}, 27},
                       {{{3, 4, 5}}, 60}, {{{3, 4, 5}}, 37}, {{{2, 70}}, 140}, {{{70, 3}}, 200},
                       {{{2, 3, 70}}, 420}};

TEST(TensorizedState, PrefixThenTokenByTokenEqualsPrefill) {
  const std::pair<int64_t, int64_t> heads[] = {{4, 4}, {4, 2}, {4, 1}};
  uint32_t seed = 500;
  int compared = 0;
  for (const Case& c : kCases) {
    for (auto [hq, hkv] : heads) {
      const auto p = kern::test::make_problem(c.n, hq, hkv, 16, ++seed);
      for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
        for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
          const auto rope = kern::test::test_rope(p.dim, seed % 2 ? kern::RopeMode::normal
                                                                  : kern::RopeMode::neox);
          const auto cpu = kern::test::run(&kern::cpu::attention_tensorized, p, c.dims, variant,
                                           rope_kind, rope);
          const auto ref = kern::test::run(&kern::ref::attention_tensorized, p, c.dims, variant,
                                           rope_kind, rope);
          const auto cfg = config_for(p, c.dims, variant, rope_kind, rope);
          for (int64_t prefix : {int64_t(1), c.n / 2, c.n - 1}) {
            const auto got = decode(cfg, p, {prefix, 1});
            for (size_t i = 0; i < got.size(); ++i) {
              ASSERT_EQ(got[i], cpu[i])
                  << "dims " << c.dims.to_string() << " n " << c.n << " heads " << hq << "/"
                  << hkv << " variant " << int(variant) << " rope " << int(rope_kind)
                  << " prefix " << prefix << " at " << i << " (token "
                  << i / size_t(hq * p.dim) << ")";
              ASSERT_NEAR(got[i], ref[i], 2e-5) << "against ref at " << i;
            }
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, int(std::size(kCases)) * 3 * 2 * 2 * 3);
}

TEST(TensorizedState, OrderOneWithoutRopeIsFullCausalAttention) {
  const auto p = kern::test::make_problem(40, 4, 2, 16, 77);
  const kern::RopeParams no_rope{};
  const auto cfg = config_for(p, TensorDims{{64}}, TensorVariant::complete, TensorRope::local,
                              no_rope);
  const auto got = decode(cfg, p, {1});
  const auto want = kern::test::full_causal(p, p.n, no_rope);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << i;
}

TEST(TensorizedState, ChunkingAndThreadsGiveIdenticalFloats) {
  kern::ThreadPool pool(2);
  const auto p = kern::test::make_problem(60, 4, 2, 16, 9);
  const TensorDims dims{{3, 4, 5}};
  for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
    for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
      const auto cfg = config_for(p, dims, variant, rope_kind, kern::test::test_rope(p.dim));
      const auto once = decode(cfg, p, {60});
      EXPECT_EQ(decode(cfg, p, {1}), once);
      EXPECT_EQ(decode(cfg, p, {7, 3, 11}), once);
      EXPECT_EQ(decode(cfg, p, {5, 1}, kern::Exec{&pool, nullptr}), once);
    }
  }
}

TEST(TensorizedState, SnapshotRoundTripContinuesIdentically) {
  const auto p = kern::test::make_problem(60, 4, 2, 16, 21);
  const auto cfg = config_for(p, TensorDims{{3, 4, 5}}, TensorVariant::complete,
                              TensorRope::local, kern::test::test_rope(p.dim));
  const auto want = decode(cfg, p, {1});
  const int64_t prefix = 23;
  auto a = TensorizedState::create(cfg);
  ASSERT_TRUE(a.ok());
  std::vector<float> out(want.size());
  const int64_t qr = p.hq * p.dim, kr = p.hkv * p.dim;
  ASSERT_TRUE(a->append({}, p.q.data(), p.k.data(), p.v.data(), prefix, out.data()).ok());
  std::stringstream snap;
  ASSERT_TRUE(a->save(snap).ok());
  const std::string bytes = snap.str();

  auto b = TensorizedState::create(cfg);
  ASSERT_TRUE(b.ok());
  std::istringstream in(bytes);
  const auto loaded = b->load(in);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(b->size(), prefix);
  EXPECT_EQ(b->bytes(), a->bytes());
  for (int64_t t = prefix; t < p.n; ++t) {
    ASSERT_TRUE(b->append({}, p.q.data() + t * qr, p.k.data() + t * kr, p.v.data() + t * kr, 1,
                          out.data() + t * qr)
                    .ok());
  }
  for (size_t i = size_t(prefix * qr); i < want.size(); ++i) ASSERT_EQ(out[i], want[i]) << i;

  std::istringstream truncated(bytes.substr(0, bytes.size() - 5));
  auto r = b->load(truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt_data);
  EXPECT_EQ(b->size(), 0);
  std::istringstream garbage(std::string(200, 'x'));
  r = b->load(garbage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt_data);

  auto cone_cfg = cfg;
  cone_cfg.variant = TensorVariant::cone;
  auto c = TensorizedState::create(cone_cfg);
  ASSERT_TRUE(c.ok());
  std::istringstream other(bytes);
  r = c->load(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::mismatch);
}

TEST(TensorizedState, BytesMatchTheHeldStates) {
  // dims 4x8, n = 32, 4 query / 2 kv heads of 16: K and V 2*32*2*16 floats; complete holds
  // closed_1 for 32 tokens and the queries of one 8-token block, cone X_1 for 32 tokens.
  const TensorDims dims{{4, 8}};
  EXPECT_EQ(TensorizedState::bytes_for(32, dims, TensorVariant::complete, 1, 4, 2, 16),
            4 * (2048 + (32 + 8) * 4 * 16));
  EXPECT_EQ(TensorizedState::bytes_for(32, dims, TensorVariant::cone, 3, 4, 2, 16),
            3 * 4 * (2048 + 32 * 4 * 16));
  // Order 3, 2x3x5: level 2 is a ring of one level-1 block (15 tokens), the query ring 15.
  EXPECT_EQ(TensorizedState::bytes_for(30, TensorDims{{2, 3, 5}}, TensorVariant::complete, 1, 1,
                                       1, 1),
            4 * (60 + 30 + 15 + 15));
  const auto p = kern::test::make_problem(27, 4, 2, 16, 3);
  for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
    auto st = TensorizedState::create(config_for(p, TensorDims{{3, 4, 5}}, variant,
                                                 TensorRope::global, kern::test::test_rope(16)));
    ASSERT_TRUE(st.ok());
    std::vector<float> out(size_t(p.n * p.hq * p.dim));
    ASSERT_TRUE(st->append({}, p.q.data(), p.k.data(), p.v.data(), p.n, out.data()).ok());
    EXPECT_EQ(st->bytes(), TensorizedState::bytes_for(27, TensorDims{{3, 4, 5}}, variant, 1, 4,
                                                      2, 16));
  }
}

TEST(TensorizedState, RefusesBadConfigsAndOverflow) {
  const auto p = kern::test::make_problem(9, 4, 2, 16, 4);
  auto cfg = config_for(p, TensorDims{{2, 4}}, TensorVariant::complete, TensorRope::local,
                        kern::test::test_rope(16));
  auto st = TensorizedState::create(cfg);
  ASSERT_TRUE(st.ok());
  std::vector<float> out(size_t(p.n * p.hq * p.dim));
  auto r = st->append({}, p.q.data(), p.k.data(), p.v.data(), 9, out.data());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::context_overflow);
  EXPECT_NE(r.error().message.find("2x4"), std::string::npos);
  EXPECT_EQ(st->size(), 0);
  r = st->append({}, p.q.data(), p.k.data(), p.v.data(), 0, out.data());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);

  auto bad = cfg;
  bad.n_head = 3;
  EXPECT_EQ(TensorizedState::create(bad).error().code, Errc::invalid_argument);
  bad = cfg;
  bad.dims = TensorDims{{4, 0}};
  EXPECT_EQ(TensorizedState::create(bad).error().code, Errc::invalid_argument);
  bad = cfg;
  bad.rope.n_rot = 17;
  EXPECT_EQ(TensorizedState::create(bad).error().code, Errc::invalid_argument);
}

// Head dims that take every column path of the shared fiber kernels (32- and 16-wide blocks, a
// scalar tail) and a GQA group of 4, where prefill computes blocks of rows and decode one row.
TEST(TensorizedState, WideHeadDimsEqualPrefill) {
  const std::pair<TensorDims, int64_t> cases[] = {{{{3, 37}}, 100}, {{{2, 3, 20}}, 110}};
  uint32_t seed = 700;
  for (const auto& [dims, n] : cases) {
    for (int64_t dim : {40, 48}) {
      const auto p = kern::test::make_problem(n, 8, 2, dim, ++seed);
      for (TensorVariant variant : {TensorVariant::complete, TensorVariant::cone}) {
        for (TensorRope rope_kind : {TensorRope::local, TensorRope::global}) {
          const auto rope = kern::test::test_rope(p.dim);
          const auto cpu =
              kern::test::run(&kern::cpu::attention_tensorized, p, dims, variant, rope_kind, rope);
          const auto got = decode(config_for(p, dims, variant, rope_kind, rope), p, {n / 2, 1});
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got[i], cpu[i]) << "dims " << dims.to_string() << " dim " << dim
                                      << " variant " << int(variant) << " at " << i;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace quire::engine
