// kern::cpu basic ops against their kern::ref twins on random data, odd shapes included.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// |a - b| <= atol + rtol * |b| elementwise, reporting the first offender.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rtol,
                  float atol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_LE(std::fabs(got[i] - want[i]), atol + rtol * std::fabs(want[i]))
        << "at " << i << ": got " << got[i] << ", want " << want[i];
  }
}

struct Shape {
  int64_t m, n, k;
};

class BasicOps : public ::testing::TestWithParam<Shape> {
 protected:
  ThreadPool pool_{2};
  Exec ex_{&pool_, nullptr};
};

TEST_P(BasicOps, MatmulMatchesRef) {
  const auto [M, N, K] = GetParam();
  const auto A = random_vector(size_t(M * K), 1);
  const auto B = random_vector(size_t(N * K), 2);
  std::vector<float> want(size_t(M * N)), got(size_t(M * N), NAN);
  ref::matmul(ex_, want.data(), A.data(), B.data(), M, N, K);
  cpu::matmul(ex_, got.data(), A.data(), B.data(), M, N, K);
  // Sum of K products of N(0,1) values: error grows like sqrt(K) ulps of the magnitude.
  expect_close(got, want, 1e-4f, 1e-4f * std::sqrt(float(K)));
}

TEST_P(BasicOps, RmsNormMatchesRef) {
  const auto [rows, n, unused] = GetParam();
  const auto x = random_vector(size_t(rows * n), 3, 4.0f);
  const auto w = random_vector(size_t(n), 4);
  std::vector<float> want(x.size()), got(x.size(), NAN);
  ref::rms_norm(ex_, want.data(), x.data(), w.data(), rows, n, 1e-5f);
  cpu::rms_norm(ex_, got.data(), x.data(), w.data(), rows, n, 1e-5f);
  expect_close(got, want, 1e-5f, 1e-6f);
}

TEST_P(BasicOps, SoftmaxMatchesRef) {
  const auto [rows, n, unused] = GetParam();
  auto want = random_vector(size_t(rows * n), 5, 10.0f);
  auto got = want;
  ref::softmax(ex_, want.data(), rows, n);
  cpu::softmax(ex_, got.data(), rows, n);
  expect_close(got, want, 1e-5f, 1e-7f);
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += got[size_t(r * n + i)];
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
  }
}

TEST_P(BasicOps, SwigluAndAddMatchRef) {
  const auto [rows, n, unused] = GetParam();
  const size_t len = size_t(rows * n);
  auto gate_want = random_vector(len, 6, 3.0f);
  const auto up = random_vector(len, 7);
  auto gate_got = gate_want;
  ref::swiglu(ex_, gate_want.data(), up.data(), int64_t(len));
  cpu::swiglu(ex_, gate_got.data(), up.data(), int64_t(len));
  expect_close(gate_got, gate_want, 1e-5f, 1e-6f);

  auto y_want = random_vector(len, 8), y_got = y_want;
  ref::add(ex_, y_want.data(), up.data(), int64_t(len));
  cpu::add(ex_, y_got.data(), up.data(), int64_t(len));
  EXPECT_EQ(y_got, y_want);  // one float addition per element: exact in both
}

INSTANTIATE_TEST_SUITE_P(Shapes, BasicOps,
                         ::testing::Values(Shape{1, 1, 1}, Shape{1, 17, 33}, Shape{7, 5, 64},
                                           Shape{33, 129, 96}, Shape{64, 256, 512}));

TEST(SoftmaxRef, LargeLogitsDoNotOverflow) {
  std::vector<float> x = {1000.0f, 1000.0f, -1000.0f};
  ref::softmax({}, x.data(), 1, 3);
  EXPECT_FLOAT_EQ(x[0], 0.5f);
  EXPECT_FLOAT_EQ(x[1], 0.5f);
  EXPECT_FLOAT_EQ(x[2], 0.0f);
  std::vector<float> y = {1000.0f, 1000.0f, -1000.0f};
  cpu::softmax({}, y.data(), 1, 3);
  EXPECT_FLOAT_EQ(y[0], 0.5f);
}

TEST(SwigluRef, KnownValues) {
  // silu(0) = 0; silu(2) = 2 / (1 + e^-2).
  float gate[] = {0.0f, 2.0f};
  const float up[] = {5.0f, 3.0f};
  ref::swiglu({}, gate, up, 2);
  EXPECT_EQ(gate[0], 0.0f);
  EXPECT_NEAR(gate[1], 2.0 / (1.0 + std::exp(-2.0)) * 3.0, 1e-6);
}

TEST(RmsNormRef, KnownValue) {
  // x = [3, 4]: mean(x^2) = 12.5, so y = x / sqrt(12.5) * w.
  const float x[] = {3.0f, 4.0f}, w[] = {1.0f, 2.0f};
  float y[2];
  ref::rms_norm({}, y, x, w, 1, 2, 0.0f);
  EXPECT_NEAR(y[0], 3.0 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(y[1], 8.0 / std::sqrt(12.5), 1e-6);
}

}  // namespace
}  // namespace kern
