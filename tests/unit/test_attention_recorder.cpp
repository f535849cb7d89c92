// AttentionRecorder against kern::ref::attention: with V rows one-hot in the key position
// (v_j = e_j), the attention output of head h is exactly its softmax weights over positions, so
// the reference op itself yields the weights the recorder must reproduce, independently of the
// recorder's code. Then the recorder attached to a real Session.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "engine/runtime/attention_recorder.h"
#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "session_fixture.h"

namespace quire::engine {
namespace {

constexpr int64_t kHeadDim = 32;
constexpr int64_t kHead = 4;
constexpr int64_t kHeadKv = 2;

struct Case {
  std::vector<float> q;                   // [kHead, kHeadDim]
  std::vector<unsigned char> k, v;        // [n_kv, kHeadKv] rows in the kv type
  std::vector<float> weights;             // [n_kv]: head-averaged, from kern::ref::attention
};

Case make_case(kern::KvType type, int64_t n_kv, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  Case c;
  c.q.resize(size_t(kHead * kHeadDim));
  for (float& x : c.q) x = normal(rng);
  const int64_t row = kern::kv_row_bytes(type, kHeadDim);
  c.k.resize(size_t(n_kv * kHeadKv * row));
  c.v.resize(c.k.size());
  std::vector<float> tmp(static_cast<size_t>(kHeadDim));
  for (int64_t j = 0; j < n_kv; ++j) {
    for (int64_t g = 0; g < kHeadKv; ++g) {
      for (float& x : tmp) x = normal(rng);
      kern::kv_encode_row(type, tmp.data(), c.k.data() + (j * kHeadKv + g) * row, kHeadDim);
      std::fill(tmp.begin(), tmp.end(), 0.0f);
      tmp[size_t(j)] = 1.0f;
      kern::kv_encode_row(type, tmp.data(), c.v.data() + (j * kHeadKv + g) * row, kHeadDim);
    }
  }
  std::vector<float> out(size_t(kHead * kHeadDim));
  const float scale = 1.0f / std::sqrt(float(kHeadDim));
  kern::ref::attention({}, out.data(), c.q.data(), c.k.data(), c.v.data(), type, 1, n_kv, kHead,
                       kHeadKv, kHeadDim, scale);
  c.weights.assign(size_t(n_kv), 0.0f);
  for (int64_t h = 0; h < kHead; ++h) {
    for (int64_t j = 0; j < n_kv; ++j) c.weights[size_t(j)] += out[size_t(h * kHeadDim + j)] / kHead;
  }
  return c;
}

void expect_matches(kern::KvType type, int64_t n_kv, int top_k, float tol) {
  const Case c = make_case(type, n_kv, 7u + uint32_t(n_kv));
  AttentionRecorder rec(top_k);
  rec.record_layer(n_kv - 1, 0, c.q.data(), c.k.data(), type, n_kv, kHead, kHeadKv, kHeadDim,
                   1.0f / std::sqrt(float(kHeadDim)));
  ASSERT_EQ(rec.steps().size(), 1u);
  const RecordedLayer& layer = rec.steps()[0].layers.at(0);
  const int64_t keep = std::min<int64_t>(top_k, n_kv);
  ASSERT_EQ(int64_t(layer.top.size()), keep);
  std::vector<int64_t> order(static_cast<size_t>(n_kv));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return c.weights[size_t(a)] > c.weights[size_t(b)]; });
  float kept = 0.0f;
  for (int64_t i = 0; i < keep; ++i) {
    const RecordedPosition& got = layer.top[size_t(i)];
    // The same weight at rank i; the position too unless two weights are within tolerance.
    EXPECT_NEAR(got.weight, c.weights[size_t(order[size_t(i)])], tol) << "rank " << i;
    EXPECT_NEAR(got.weight, c.weights[size_t(got.position)], tol) << "rank " << i;
    kept += c.weights[size_t(got.position)];
  }
  EXPECT_NEAR(layer.kept_mass, kept, tol * float(keep));
}

TEST(AttentionRecorder, AllPositionsMatchReferenceAttentionF32) {
  expect_matches(kern::KvType::f32, 29, 64, 1e-6f);
}

TEST(AttentionRecorder, TopKMatchesReferenceAttentionF16) {
  expect_matches(kern::KvType::f16, 32, 6, 1e-5f);
}

TEST(AttentionRecorder, TopKMatchesReferenceAttentionQ8) {
  // V's one-hot 1.0 decodes as 127 * fp16(1/127): a relative 2^-11 off, as are the weights.
  expect_matches(kern::KvType::q8_0, 32, 10, 1e-3f);
}

TEST(AttentionRecorder, AllWeightsSumToOne) {
  const Case c = make_case(kern::KvType::f16, 17, 3);
  AttentionRecorder rec(100);
  rec.record_layer(16, 0, c.q.data(), c.k.data(), kern::KvType::f16, 17, kHead, kHeadKv,
                   kHeadDim, 0.2f);
  EXPECT_NEAR(rec.steps()[0].layers[0].kept_mass, 1.0f, 1e-5f);
}

using RecorderSession = testing::SessionTest;

TEST_F(RecorderSession, RecordsOnlySingleTokenSteps) {
  auto session = make_session();
  AttentionRecorder rec(8);
  session->set_attention_recorder(&rec);
  ASSERT_TRUE(session->prefill(prompt(20, 5)));
  EXPECT_TRUE(rec.steps().empty()) << "a multi-token prefill is not recorded";
  const int32_t next = 9;
  ASSERT_TRUE(session->prefill(std::span<const int32_t>(&next, 1)));
  ASSERT_TRUE(session->prefill(std::span<const int32_t>(&next, 1)));
  ASSERT_EQ(rec.steps().size(), 2u);
  const int64_t n_layer = session->model().config().n_layer;
  for (size_t s = 0; s < 2; ++s) {
    const RecordedStep& step = rec.steps()[s];
    EXPECT_EQ(step.position, 20 + int64_t(s));
    ASSERT_EQ(int64_t(step.layers.size()), n_layer);
    for (int64_t l = 0; l < n_layer; ++l) {
      const RecordedLayer& layer = step.layers[size_t(l)];
      EXPECT_EQ(layer.layer, l);
      ASSERT_EQ(layer.top.size(), 8u);
      for (size_t i = 0; i < layer.top.size(); ++i) {
        EXPECT_LE(layer.top[i].position, step.position);
        if (i > 0) {
          EXPECT_GE(layer.top[i - 1].weight, layer.top[i].weight);
        }
      }
      EXPECT_GT(layer.kept_mass, 0.0f);
      EXPECT_LE(layer.kept_mass, 1.0001f);
    }
  }
  session->set_attention_recorder(nullptr);
  ASSERT_TRUE(session->prefill(std::span<const int32_t>(&next, 1)));
  EXPECT_EQ(rec.steps().size(), 2u) << "a detached recorder records nothing";
}

}  // namespace
}  // namespace quire::engine
