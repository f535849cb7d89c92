// Tensor Product Attention kernels (kernels/tpa.h):
//  - kern::ref::tpa_decode_attention equals exact attention (kern::ref::attention) over the
//    materialized Q = A_Q B_Q / R_Q, K = A_K B_K / R_K, V = A_V B_V / R_V, built here;
//  - kern::cpu::tpa_decode_attention equals the ref (f32 and f16 rows, decode and prefill, with
//    and without threads, caches longer than one key block so the log-sum-exp merge runs);
//  - RoPE of the B rows then the product equals the product then RoPE (why the cache can hold
//    rotated B_K).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"
#include "kernels/tpa.h"

namespace {

using kern::KvType;
using kern::TpaShape;

struct Case {
  TpaShape shape;
  int64_t n_q = 1;
  int64_t n_kv = 1;
};

// Random factors for one case: queries [n_q, query_elems] and f32 cache rows [n_kv, row_elems]
// (padding zero, as the engine writes it).
struct Factors {
  std::vector<float> q, k, v;
};

Factors random_factors(const Case& c, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const TpaShape& s = c.shape;
  const int64_t row = s.row_elems();
  Factors f;
  f.q.resize(size_t(c.n_q * s.query_elems()));
  for (float& x : f.q) x = nd(gen);
  f.k.assign(size_t(c.n_kv * row), 0.0f);
  f.v.assign(size_t(c.n_kv * row), 0.0f);
  for (int64_t m = 0; m < c.n_kv; ++m) {
    for (int64_t i = 0; i < (s.n_head + s.head_dim) * s.rank_k; ++i) f.k[size_t(m * row + i)] = nd(gen);
    for (int64_t i = 0; i < (s.n_head + s.head_dim) * s.rank_v; ++i) f.v[size_t(m * row + i)] = nd(gen);
  }
  return f;
}

// y [H, D] = (1/R) sum_r a[h, r] b[r, :].
void product(float* y, const float* a, const float* b, int64_t H, int64_t R, int64_t D) {
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t j = 0; j < D; ++j) {
      double acc = 0.0;
      for (int64_t r = 0; r < R; ++r) acc += double(a[h * R + r]) * double(b[r * D + j]);
      y[h * D + j] = float(acc / double(R));
    }
  }
}

// The materialized path: exact attention over Q, K, V formed from the factors.
std::vector<float> materialized(const Case& c, const Factors& f, float scale) {
  const TpaShape& s = c.shape;
  const int64_t H = s.n_head, D = s.head_dim, row = s.row_elems();
  std::vector<float> q(size_t(c.n_q * H * D)), k(size_t(c.n_kv * H * D)), v(k.size());
  for (int64_t i = 0; i < c.n_q; ++i) {
    const float* qi = f.q.data() + i * s.query_elems();
    if (s.rank_q == 0) {
      std::copy(qi, qi + H * D, q.begin() + i * H * D);
    } else {
      product(q.data() + i * H * D, qi, qi + H * s.rank_q, H, s.rank_q, D);
    }
  }
  for (int64_t m = 0; m < c.n_kv; ++m) {
    const float* km = f.k.data() + m * row;
    const float* vm = f.v.data() + m * row;
    product(k.data() + m * H * D, km, km + H * s.rank_k, H, s.rank_k, D);
    product(v.data() + m * H * D, vm, vm + H * s.rank_v, H, s.rank_v, D);
  }
  std::vector<float> out(size_t(c.n_q * H * D));
  kern::ref::attention(kern::Exec{}, out.data(), q.data(), k.data(), v.data(), KvType::f32, c.n_q,
                       c.n_kv, H, H, D, scale);
  return out;
}

std::vector<uint8_t> encode_rows(const std::vector<float>& rows, int64_t row, KvType type) {
  const int64_t n = static_cast<int64_t>(rows.size()) / row;
  const int64_t rb = kern::kv_row_bytes(type, row);
  std::vector<uint8_t> out(size_t(n * rb));
  for (int64_t m = 0; m < n; ++m) {
    kern::kv_encode_row(type, rows.data() + m * row, out.data() + m * rb, row);
  }
  return out;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol,
                 const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::fabs(want[i]))) << what << " at " << i;
  }
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{4, 16, 6, 2, 2}, 1, 1},      // full TPA, one token
      {{4, 16, 6, 2, 2}, 1, 300},    // decode over several key blocks
      {{4, 16, 6, 2, 2}, 7, 40},     // prefill chunk after a cached prefix
      {{3, 8, 2, 1, 3}, 5, 5},       // rank_k != rank_v: padded rows
      {{4, 16, 0, 2, 2}, 1, 260},    // KV-only decode
      {{4, 16, 0, 3, 1}, 9, 150},    // KV-only prefill, unequal ranks
      {{12, 64, 12, 2, 2}, 1, 513},  // T6-like width
  };
  return all;
}

TEST(TpaAttention, RefEqualsMaterializedAttention) {
  uint32_t seed = 1;
  for (const Case& c : cases()) {
    const Factors f = random_factors(c, seed++);
    const float scale = 1.0f / std::sqrt(float(c.shape.head_dim));
    std::vector<float> got(size_t(c.n_q * c.shape.n_head * c.shape.head_dim));
    kern::ref::tpa_decode_attention(kern::Exec{}, got.data(), f.q.data(), f.k.data(), f.v.data(),
                                    KvType::f32, c.shape, c.n_q, c.n_kv, scale);
    expect_near(got, materialized(c, f, scale), 1e-4f, "ref vs materialized");
  }
}

TEST(TpaAttention, MaterializedDiffersWhenAFactorChanges) {  // the comparison above can fail
  const Case c = cases()[2];
  Factors f = random_factors(c, 7);
  const float scale = 0.25f;
  std::vector<float> got(size_t(c.n_q * c.shape.n_head * c.shape.head_dim));
  kern::ref::tpa_decode_attention(kern::Exec{}, got.data(), f.q.data(), f.k.data(), f.v.data(),
                                  KvType::f32, c.shape, c.n_q, c.n_kv, scale);
  f.k[3] += 1.0f;  // one A_K entry of token 0
  const std::vector<float> moved = materialized(c, f, scale);
  float diff = 0.0f;
  for (size_t i = 0; i < got.size(); ++i) diff = std::max(diff, std::fabs(got[i] - moved[i]));
  EXPECT_GT(diff, 1e-3f);
}

TEST(TpaAttention, CpuEqualsRef) {
  kern::ThreadPool pool(3);
  uint32_t seed = 100;
  for (const Case& c : cases()) {
    const Factors f = random_factors(c, seed++);
    const float scale = 1.0f / std::sqrt(float(c.shape.head_dim));
    const int64_t row = c.shape.row_elems();
    for (KvType type : {KvType::f32, KvType::f16}) {
      const auto k = encode_rows(f.k, row, type);
      const auto v = encode_rows(f.v, row, type);
      std::vector<float> want(size_t(c.n_q * c.shape.n_head * c.shape.head_dim));
      kern::ref::tpa_decode_attention(kern::Exec{}, want.data(), f.q.data(), k.data(), v.data(),
                                      type, c.shape, c.n_q, c.n_kv, scale);
      for (kern::ThreadPool* p : {static_cast<kern::ThreadPool*>(nullptr), &pool}) {
        std::vector<float> got(want.size());
        kern::cpu::tpa_decode_attention(kern::Exec{p, nullptr}, got.data(), f.q.data(), k.data(),
                                        v.data(), type, c.shape, c.n_q, c.n_kv, scale);
        expect_near(got, want, 2e-4f, type == KvType::f32 ? "cpu f32" : "cpu f16");
      }
    }
  }
}

TEST(TpaAttention, RopeOfFactorsEqualsRopeOfProduct) {
  const int64_t H = 3, R = 4, D = 16;
  std::mt19937 gen(5);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> a(size_t(H * R)), b(size_t(R * D));
  for (float& x : a) x = nd(gen);
  for (float& x : b) x = nd(gen);
  kern::RopeParams rp;
  rp.mode = kern::RopeMode::neox;
  rp.n_rot = D;
  for (int32_t pos : {0, 1, 17, 4000}) {
    std::vector<float> rb = b, y(size_t(H * D)), y_rot(size_t(H * D));
    kern::ref::rope(kern::Exec{}, rb.data(), &pos, 1, R, D, rp);  // R rows of B as "heads"
    product(y_rot.data(), a.data(), rb.data(), H, R, D);
    product(y.data(), a.data(), b.data(), H, R, D);
    kern::ref::rope(kern::Exec{}, y.data(), &pos, 1, H, D, rp);
    expect_near(y_rot, y, 1e-5f, "rope(B) then product vs product then rope");
  }
}

}  // namespace
