// KvCache: validation, byte accounting, append/truncate rules, views that feed the attention op,
// and snapshot save/load (round trip, mismatch, damage).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "engine/runtime/kv_cache.h"
#include "kernels/kernels.h"
#include "kernels/kv_codec.h"

namespace quire::engine {
namespace {

KvCache make(const KvCacheConfig& c) {
  auto r = KvCache::create(c);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(r).value();
}

std::vector<float> random_rows(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(KvCache, RejectsBadShapes) {
  EXPECT_EQ(KvCache::create({0, 16, 2, 64, kern::KvType::f16}).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(KvCache::create({2, 16, 2, 40, kern::KvType::q8_0}).error().code,
            Errc::invalid_argument);
  EXPECT_EQ(KvCache::create({1 << 20, int64_t(1) << 40, 8, 128, kern::KvType::f16}).error().code,
            Errc::out_of_memory);
}

TEST(KvCache, BytesPerTokenPerType) {
  EXPECT_EQ(make({2, 8, 2, 64, kern::KvType::f32}).bytes_per_token(), 2 * 2 * 2 * 256);
  EXPECT_EQ(make({2, 8, 2, 64, kern::KvType::f16}).bytes_per_token(), 2 * 2 * 2 * 128);
  EXPECT_EQ(make({2, 8, 2, 64, kern::KvType::q8_0}).bytes_per_token(), 2 * 2 * 2 * 68);
  // Llama 3 8B, f16: 32 layers x 8 kv heads x 128 dims x 2 (K, V) x 2 bytes = 128 KiB a token.
  EXPECT_EQ(make({32, 4, 8, 128, kern::KvType::f16}).bytes_per_token(), 131072);
  EXPECT_EQ(make({2, 8, 2, 64, kern::KvType::f16}).capacity_bytes(), 8 * 2 * 2 * 2 * 128);
}

TEST(KvCache, AppendStoresEncodedRowsAtTheirPositions) {
  for (kern::KvType type : {kern::KvType::f32, kern::KvType::f16, kern::KvType::q8_0}) {
    KvCache c = make({2, 10, 2, 32, type});
    const auto k = random_rows(7 * 2 * 32, 1), v = random_rows(7 * 2 * 32, 2);
    ASSERT_TRUE(c.append(1, 0, 3, k.data(), v.data()).ok());
    ASSERT_TRUE(c.append(1, 3, 4, k.data() + 3 * 64, v.data() + 3 * 64).ok());
    EXPECT_EQ(c.layer_size(1), 7);
    EXPECT_EQ(c.size(), 0);  // layer 0 holds nothing yet
    std::vector<unsigned char> want(size_t(c.row_bytes()));
    for (int64_t r = 0; r < 7 * 2; ++r) {
      kern::kv_encode_row(type, v.data() + r * 32, want.data(), 32);
      const auto* got = static_cast<const unsigned char*>(c.v_data(1)) + r * c.row_bytes();
      ASSERT_EQ(std::vector<unsigned char>(got, got + c.row_bytes()), want) << r;
    }
  }
}

TEST(KvCache, AppendRefusesGapsAndOverflowTruncateKeepsAPrefix) {
  KvCache c = make({2, 8, 1, 32, kern::KvType::f16});
  const auto x = random_rows(8 * 32, 3);
  EXPECT_EQ(c.append(0, 1, 1, x.data(), x.data()).error().code, Errc::invalid_argument);
  EXPECT_EQ(c.append(2, 0, 1, x.data(), x.data()).error().code, Errc::invalid_argument);
  EXPECT_EQ(c.append(0, 0, 9, x.data(), x.data()).error().code, Errc::context_overflow);
  ASSERT_TRUE(c.append(0, 0, 6, x.data(), x.data()).ok());
  ASSERT_TRUE(c.append(1, 0, 5, x.data(), x.data()).ok());
  EXPECT_EQ(c.size(), 5);
  EXPECT_EQ(c.truncate(6).error().code, Errc::invalid_argument);
  ASSERT_TRUE(c.truncate(2).ok());
  EXPECT_EQ(c.layer_size(0), 2);
  EXPECT_EQ(c.layer_size(1), 2);
  ASSERT_TRUE(c.append(0, 1, 2, x.data(), x.data()).ok());  // rewrite from position 1
  EXPECT_EQ(c.layer_size(0), 3);
  c.clear();
  EXPECT_EQ(c.size(), 0);
}

TEST(KvCache, ViewsFeedTheAttentionOp) {
  // Attention over the cache's rows equals attention over the same rows encoded by hand.
  const int64_t n_kv = 20, n_head_kv = 2, hd = 64, n_head = 4, n_q = 3;
  KvCache c = make({1, 32, n_head_kv, hd, kern::KvType::q8_0});
  const auto k = random_rows(n_kv * n_head_kv * hd, 4), v = random_rows(n_kv * n_head_kv * hd, 5);
  ASSERT_TRUE(c.append(0, 0, n_kv, k.data(), v.data()).ok());
  std::vector<unsigned char> ke(size_t(n_kv * n_head_kv * c.row_bytes())), ve(ke.size());
  for (int64_t r = 0; r < n_kv * n_head_kv; ++r) {
    kern::kv_encode_row(kern::KvType::q8_0, k.data() + r * hd, ke.data() + r * c.row_bytes(), hd);
    kern::kv_encode_row(kern::KvType::q8_0, v.data() + r * hd, ve.data() + r * c.row_bytes(), hd);
  }
  const auto q = random_rows(n_q * n_head * hd, 6);
  std::vector<float> a(q.size()), b(q.size());
  kern::ref::attention({}, a.data(), q.data(), c.k_data(0), c.v_data(0), kern::KvType::q8_0, n_q,
                       c.layer_size(0), n_head, n_head_kv, hd, 0.125f);
  kern::ref::attention({}, b.data(), q.data(), ke.data(), ve.data(), kern::KvType::q8_0, n_q,
                       n_kv, n_head, n_head_kv, hd, 0.125f);
  EXPECT_EQ(a, b);
}

TEST(KvCache, SnapshotRoundTripsExactly) {
  const KvCacheConfig cfg{3, 16, 2, 32, kern::KvType::f16};
  KvCache a = make(cfg);
  const auto x = random_rows(16 * 2 * 32, 7), y = random_rows(16 * 2 * 32, 8);
  for (int64_t l = 0; l < 3; ++l) ASSERT_TRUE(a.append(l, 0, 11, x.data(), y.data()).ok());
  std::stringstream stream;
  ASSERT_TRUE(a.save(stream).ok());
  KvCacheConfig bigger = cfg;
  bigger.n_ctx = 64;  // another context length is fine
  KvCache b = make(bigger);
  ASSERT_TRUE(b.load(stream).ok());
  EXPECT_EQ(b.size(), 11);
  const size_t bytes = size_t(11 * 2 * a.row_bytes());
  for (int64_t l = 0; l < 3; ++l) {
    const auto* ka = static_cast<const unsigned char*>(a.k_data(l));
    const auto* kb = static_cast<const unsigned char*>(b.k_data(l));
    const auto* va = static_cast<const unsigned char*>(a.v_data(l));
    const auto* vb = static_cast<const unsigned char*>(b.v_data(l));
    EXPECT_EQ(std::vector<unsigned char>(ka, ka + bytes), std::vector<unsigned char>(kb, kb + bytes));
    EXPECT_EQ(std::vector<unsigned char>(va, va + bytes), std::vector<unsigned char>(vb, vb + bytes));
  }
}

TEST(KvCache, SnapshotLoadRefusesMismatchDamageAndOverflow) {
  const KvCacheConfig cfg{2, 16, 2, 32, kern::KvType::f16};
  KvCache a = make(cfg);
  const auto x = random_rows(16 * 2 * 32, 9);
  for (int64_t l = 0; l < 2; ++l) ASSERT_TRUE(a.append(l, 0, 10, x.data(), x.data()).ok());
  std::stringstream saved;
  ASSERT_TRUE(a.save(saved).ok());
  const std::string blob = saved.str();

  auto load_into = [&](const KvCacheConfig& c, const std::string& bytes) {
    KvCache b = make(c);
    std::istringstream in(bytes);
    const auto r = b.load(in);
    EXPECT_EQ(b.size(), 0);
    return r.ok() ? Errc::internal : r.error().code;
  };
  KvCacheConfig other_type = cfg;
  other_type.type = kern::KvType::q8_0;
  EXPECT_EQ(load_into(other_type, blob), Errc::mismatch);
  KvCacheConfig other_layers = cfg;
  other_layers.n_layer = 3;
  EXPECT_EQ(load_into(other_layers, blob), Errc::mismatch);
  KvCacheConfig small = cfg;
  small.n_ctx = 8;
  EXPECT_EQ(load_into(small, blob), Errc::context_overflow);
  EXPECT_EQ(load_into(cfg, blob.substr(0, blob.size() - 1)), Errc::corrupt_data);
  EXPECT_EQ(load_into(cfg, blob.substr(0, 20)), Errc::corrupt_data);
  EXPECT_EQ(load_into(cfg, "QKVX" + blob.substr(4)), Errc::corrupt_data);
  std::string negative = blob;
  negative[47] = char(0x80);  // top byte of n_tokens
  EXPECT_EQ(load_into(cfg, negative), Errc::corrupt_data);
}

}  // namespace
}  // namespace quire::engine
