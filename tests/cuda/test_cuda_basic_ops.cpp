// kern::cuda basic ops against kern::ref. Skipped (CTest "skipped") where no GPU is present.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"

namespace kern {
namespace {

class CudaBasicOps : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device";
  }

  // Copies host data to a new device buffer; freed in TearDown.
  float* to_device(const std::vector<float>& host) {
    float* d = nullptr;
    EXPECT_EQ(cudaMalloc(&d, host.size() * sizeof(float)), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(d, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice),
              cudaSuccess);
    buffers_.push_back(d);
    return d;
  }
  std::vector<float> to_host(const float* d, size_t n) {
    std::vector<float> host(n);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(host.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
  }
  void TearDown() override {
    for (float* d : buffers_) cudaFree(d);
  }

  static std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
  }
  static void expect_close(const std::vector<float>& got, const std::vector<float>& want,
                           float rtol, float atol) {
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_LE(std::fabs(got[i] - want[i]), atol + rtol * std::fabs(want[i])) << "at " << i;
    }
  }

  std::vector<float*> buffers_;
  Exec ex_{};
};

TEST_F(CudaBasicOps, Matmul) {
  const int64_t M = 37, N = 129, K = 300;
  const auto A = random_vector(size_t(M * K), 1), B = random_vector(size_t(N * K), 2);
  std::vector<float> want(size_t(M * N));
  ref::matmul(ex_, want.data(), A.data(), B.data(), M, N, K);
  float* dC = to_device(std::vector<float>(size_t(M * N)));
  cuda::matmul(ex_, dC, to_device(A), to_device(B), M, N, K);
  // cuBLAS may use TF32 on Ampere and newer only when asked; plain SGEMM is full fp32.
  expect_close(to_host(dC, size_t(M * N)), want, 1e-4f, 1e-3f);
}

TEST_F(CudaBasicOps, RmsNorm) {
  const int64_t rows = 9, n = 1000;
  const auto x = random_vector(size_t(rows * n), 3, 3.0f), w = random_vector(size_t(n), 4);
  std::vector<float> want(x.size());
  ref::rms_norm(ex_, want.data(), x.data(), w.data(), rows, n, 1e-5f);
  float* dy = to_device(std::vector<float>(x.size()));
  cuda::rms_norm(ex_, dy, to_device(x), to_device(w), rows, n, 1e-5f);
  expect_close(to_host(dy, x.size()), want, 1e-5f, 1e-6f);
}

TEST_F(CudaBasicOps, Softmax) {
  const int64_t rows = 5, n = 777;
  auto want = random_vector(size_t(rows * n), 5, 10.0f);
  float* dx = to_device(want);
  ref::softmax(ex_, want.data(), rows, n);
  cuda::softmax(ex_, dx, rows, n);
  expect_close(to_host(dx, want.size()), want, 1e-5f, 1e-7f);
}

}  // namespace
}  // namespace kern
