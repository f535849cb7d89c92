// kern::cpu weight ops (dequantize, matmul_w) against their kern::ref twins for every weight
// type: odd shapes, K of several blocks, decode (M = 1), small batches and the prefill GEMM path
// (several dequantized tiles), with and without a pool, with the AVX2 kernels on and forced off.
// These run the float (dequantizing) paths; the integer path with 8-bit activations that decode
// uses for quantized weights is tested in test_q8_act.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

using testing::all_dtypes;
using testing::expect_matmul_near;
using testing::random_normal;
using testing::random_weights;

struct Shape {
  int64_t m, n, k;
};

// Restores the default (SIMD on) even when an assertion fails mid-test.
struct SimdSwitch {
  explicit SimdSwitch(bool on) { cpu::detail::set_simd_enabled(on); }
  ~SimdSwitch() { cpu::detail::set_simd_enabled(true); }
};

// Keeps matmul_w on its float paths (off) for the float-accuracy bound below; restores on.
struct Q8Off {
  Q8Off() { cpu::set_q8_activations(false); }
  ~Q8Off() { cpu::set_q8_activations(true); }
};

using Param = std::tuple<DType, bool /*simd*/, bool /*pool*/>;

class MatmulW : public ::testing::TestWithParam<Param> {
 protected:
  DType type() const { return std::get<0>(GetParam()); }
  bool simd() const { return std::get<1>(GetParam()); }
  Exec exec() { return Exec{std::get<2>(GetParam()) ? &pool_ : nullptr, nullptr}; }
  // K values of a few blocks each, odd where the type allows (f32/f16/bf16 have 1-element blocks,
  // which exercises the vector loops' scalar tails).
  std::vector<int64_t> ks() const {
    switch (dtype_info(type()).block_elems) {
      case 1: return {97, 773};
      case 32: return {96, 800};
      default: return {256, 768};
    }
  }

  ThreadPool pool_{3};
};

TEST_P(MatmulW, MatchesRef) {
  const SimdSwitch simd_switch(simd());
  const Q8Off q8_off;
  Exec ex = exec();
  std::vector<Shape> shapes;
  for (int64_t K : ks()) {
    for (Shape s : {Shape{1, 37, K}, Shape{3, 5, K}, Shape{7, 19, K}, Shape{8, 19, K},
                    Shape{13, 33, K}}) {
      shapes.push_back(s);
    }
  }
  shapes.push_back(Shape{9, 1100, 1024});  // the prefill path with two dequantized tiles
  uint32_t seed = 10;
  for (const auto [M, N, K] : shapes) {
    SCOPED_TRACE("M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
    const auto W = random_weights(type(), N, K, seed++);
    const auto A = random_normal(static_cast<size_t>(M * K), seed++);
    std::vector<float> want(static_cast<size_t>(M * N)), got(want.size(), NAN);
    ref::matmul_w(ex, want.data(), A.data(), W.data(), type(), M, N, K);
    cpu::matmul_w(ex, got.data(), A.data(), W.data(), type(), M, N, K);
    expect_matmul_near(got, want, A, W, type(), M, N, K);
  }
}

TEST_P(MatmulW, DequantizeMatchesRefExactly) {
  Exec ex = exec();
  const int64_t n = ks().back() * 5;
  const auto W = random_weights(type(), 1, n, 99);
  std::vector<float> want(static_cast<size_t>(n)), got(want.size(), NAN);
  ref::dequantize(ex, want.data(), W.data(), type(), n);
  cpu::dequantize(ex, got.data(), W.data(), type(), n);
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "at " << i;
}

TEST_P(MatmulW, SwitchSelectsKernel) {
  const SimdSwitch simd_switch(simd());
  const cpu::detail::RowDot chosen = cpu::detail::select_row_dot(type());
  if (simd() && cpu::detail::cpu_has_avx2()) {
    EXPECT_EQ(chosen, cpu::detail::row_dot_avx2(type()));
  } else {
    EXPECT_EQ(chosen, cpu::detail::row_dot_portable(type()));
  }
}

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(dtype_info(std::get<0>(info.param)).name) +
         (std::get<1>(info.param) ? "_simd" : "_portable") +
         (std::get<2>(info.param) ? "_pool" : "_serial");
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulW,
                         ::testing::Combine(::testing::ValuesIn(all_dtypes()),
                                            ::testing::Bool(), ::testing::Bool()),
                         param_name);

TEST(MatmulWEdges, EmptySumIsZero) {
  std::vector<float> C(27, NAN);
  const float A[1] = {0.0f};
  const uint8_t W[1] = {0};
  for (int64_t M : {2, 9}) {  // both the GEMV and the GEMM path
    std::fill(C.begin(), C.end(), NAN);
    cpu::matmul_w(Exec{}, C.data(), A, W, DType::q4_k, M, 3, 0);
    for (int64_t i = 0; i < M * 3; ++i) EXPECT_EQ(C[size_t(i)], 0.0f);
  }
}

// The AVX2 kernels themselves, directly against the portable ones, on this CPU when it can.
TEST(RowDot, Avx2MatchesPortable) {
  if (!cpu::detail::cpu_has_avx2()) GTEST_SKIP() << "this CPU lacks AVX2/FMA/F16C";
  for (DType type : all_dtypes()) {
    SCOPED_TRACE(std::string(dtype_info(type).name));
    const int64_t K = 1024;
    const auto W = random_weights(type, 1, K, 5);
    const auto A = random_normal(static_cast<size_t>(K), 6);
    const float fast = cpu::detail::row_dot_avx2(type)(W.data(), A.data(), K);
    const float portable = cpu::detail::row_dot_portable(type)(W.data(), A.data(), K);
    std::vector<float> w(static_cast<size_t>(K));
    ref::dequantize(Exec{}, w.data(), W.data(), type, K);
    double abs_sum = 0.0;
    for (int64_t k = 0; k < K; ++k) abs_sum += std::fabs(double(A[size_t(k)]) * w[size_t(k)]);
    EXPECT_NEAR(fast, portable, 1e-4 * abs_sum);
  }
}

}  // namespace
}  // namespace kern
