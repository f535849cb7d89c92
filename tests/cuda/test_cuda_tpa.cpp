// kern::cuda::tpa_decode_attention against kern::ref::tpa_decode_attention (kernels/tpa.h): full
// TPA and KV-only, f32 and f16 cache rows, decode (n_q = 1) and prefill (n_q > 1), rank_k !=
// rank_v (padded rows), 1 to 4000 cached tokens (one and many key splits), a case where a
// query sees none of a split's keys, and a shape whose shared memory needs the >48 KiB opt-in.
// Tolerance: |got - want| <= 2e-4 (1 + |want|), as for the cpu kernel: the ref sums in double,
// the kernel in f32 over at most a few thousand keys. The output buffer starts as NaN, so a
// kernel that writes nothing fails. Skipped (CTest "skipped") where no GPU is present.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/tpa.h"

namespace kern {
namespace {

struct Case {
  TpaShape shape;
  int64_t n_q = 1;
  int64_t n_kv = 1;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{4, 16, 6, 2, 2}, 1, 1},        // full TPA, one token
      {{4, 16, 6, 2, 2}, 1, 300},      // decode, a few splits
      {{4, 16, 6, 2, 2}, 7, 40},       // prefill chunk after a cached prefix, one split
      {{3, 8, 2, 1, 3}, 5, 5},         // rank_k < rank_v: padded K rows
      {{4, 32, 4, 3, 1}, 1, 1000},     // rank_k > rank_v: padded V rows, many splits
      {{4, 16, 0, 2, 2}, 1, 260},      // KV-only decode
      {{4, 16, 0, 3, 1}, 9, 150},      // KV-only prefill, unequal ranks
      {{4, 16, 6, 2, 2}, 128, 255},    // 2 splits of 128: query 0 sees none of split 1
      {{12, 64, 6, 2, 2}, 1, 4000},    // T6 width, long decode (32 splits)
      {{12, 64, 6, 2, 2}, 17, 2048},   // T6 width, prefill over a long prefix
      {{12, 64, 12, 2, 2}, 1, 513},    // rank_q == n_head
      {{64, 128, 0, 1, 1}, 2, 300},    // 76 KiB of shared memory: the opt-in path
  };
  return all;
}

// Random queries [n_q, query_elems] and f32 cache rows [n_kv, row_elems] (padding zero, as the
// engine writes it), encoded as `type`.
struct Inputs {
  std::vector<float> q;
  std::vector<uint8_t> k, v;
};

Inputs random_inputs(const Case& c, KvType type, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  const TpaShape& s = c.shape;
  const int64_t row = s.row_elems(), rb = kv_row_bytes(type, row);
  Inputs in;
  in.q.resize(size_t(c.n_q * s.query_elems()));
  for (float& x : in.q) x = nd(gen);
  in.k.resize(size_t(c.n_kv * rb));
  in.v.resize(size_t(c.n_kv * rb));
  std::vector<float> k(static_cast<size_t>(row)), v(static_cast<size_t>(row));
  for (int64_t m = 0; m < c.n_kv; ++m) {
    std::fill(k.begin(), k.end(), 0.0f);
    std::fill(v.begin(), v.end(), 0.0f);
    for (int64_t i = 0; i < (s.n_head + s.head_dim) * s.rank_k; ++i) k[size_t(i)] = nd(gen);
    for (int64_t i = 0; i < (s.n_head + s.head_dim) * s.rank_v; ++i) v[size_t(i)] = nd(gen);
    kv_encode_row(type, k.data(), in.k.data() + m * rb, row);
    kv_encode_row(type, v.data(), in.v.data() + m * rb, row);
  }
  return in;
}

class CudaTpa : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device";
    ASSERT_EQ(cudaStreamCreate(&stream_), cudaSuccess);
  }
  void TearDown() override {
    for (void* d : buffers_) cudaFree(d);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  // A device copy of `bytes` bytes at host; freed in TearDown.
  void* to_device(const void* host, size_t bytes) {
    void* d = nullptr;
    EXPECT_EQ(cudaMalloc(&d, bytes), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice), cudaSuccess);
    buffers_.push_back(d);
    return d;
  }

  // Runs the CUDA kernel on `stream_` for one case and returns its output.
  std::vector<float> run_cuda(const Case& c, const Inputs& in, KvType type, float scale) {
    const size_t n_out = size_t(c.n_q * c.shape.n_head * c.shape.head_dim);
    const std::vector<float> nan_fill(n_out, std::nanf(""));
    auto* d_out = static_cast<float*>(to_device(nan_fill.data(), n_out * sizeof(float)));
    const auto* d_q = static_cast<const float*>(to_device(in.q.data(), in.q.size() * sizeof(float)));
    const void* d_k = to_device(in.k.data(), in.k.size());
    const void* d_v = to_device(in.v.data(), in.v.size());
    cuda::tpa_decode_attention(Exec{nullptr, stream_}, d_out, d_q, d_k, d_v, type, c.shape, c.n_q,
                               c.n_kv, scale);
    EXPECT_EQ(cudaGetLastError(), cudaSuccess);
    EXPECT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
    std::vector<float> out(n_out);
    EXPECT_EQ(cudaMemcpy(out.data(), d_out, n_out * sizeof(float), cudaMemcpyDeviceToHost),
              cudaSuccess);
    return out;
  }

  cudaStream_t stream_ = nullptr;
  std::vector<void*> buffers_;
};

TEST_F(CudaTpa, EqualsRef) {
  uint32_t seed = 1;
  for (const Case& c : cases()) {
    for (KvType type : {KvType::f32, KvType::f16}) {
      const Inputs in = random_inputs(c, type, seed++);
      const float scale = 1.0f / std::sqrt(float(c.shape.head_dim));
      std::vector<float> want(size_t(c.n_q * c.shape.n_head * c.shape.head_dim));
      ref::tpa_decode_attention(Exec{}, want.data(), in.q.data(), in.k.data(), in.v.data(), type,
                                c.shape, c.n_q, c.n_kv, scale);
      const std::vector<float> got = run_cuda(c, in, type, scale);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-4f * (1.0f + std::fabs(want[i])))
            << kv_type_name(type) << " n_head " << c.shape.n_head << " head_dim "
            << c.shape.head_dim << " ranks " << c.shape.rank_q << "/" << c.shape.rank_k << "/"
            << c.shape.rank_v << " n_q " << c.n_q << " n_kv " << c.n_kv << " at " << i;
      }
    }
  }
}

}  // namespace
}  // namespace kern
