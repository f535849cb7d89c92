// kern::cpu fused decode products (kernels/gemv_fused.h): bit for bit equal to the separate
// kern::cpu ops they replace (matmul_w per weight, swiglu), on the integer and the float GEMV
// paths and on the prefill fallback, with and without a pool; and close to their kern::ref twins
// (float paths, same bound as test_matmul_w.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/gemv_fused.h"
#include "kernels/kernels.h"
#include "kernels/q8_act.h"
#include "kernels/thread_pool.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

using testing::all_dtypes;
using testing::expect_matmul_near;
using testing::random_normal;
using testing::random_weights;

// Keeps matmul_w on its float paths (off) for the comparison with kern::ref; restores on.
struct Q8Off {
  Q8Off() { cpu::set_q8_activations(false); }
  ~Q8Off() { cpu::set_q8_activations(true); }
};

int64_t k_for(DType a, DType b) {
  return std::max(dtype_info(a).block_elems, dtype_info(b).block_elems) == 256 ? 512 : 96;
}

class GemvFused : public ::testing::TestWithParam<DType> {
 protected:
  ThreadPool pool_{3};
};

// Three weights (the parameter type, q6_K and q8_0: up to two activation formats at once) of
// unequal row counts, as Q/K/V of a mixed-quant model.
TEST_P(GemvFused, MultiEqualsSeparateMatmulW) {
  const DType types[3] = {GetParam(), DType::q6_k, DType::q8_0};
  const int64_t rows[3] = {40, 9, 23};
  const int64_t K = k_for(GetParam(), DType::q6_k);
  for (bool with_pool : {false, true}) {
    const Exec ex{with_pool ? &pool_ : nullptr, nullptr};
    for (int64_t M : {1, 3, 4, 7, 8, 9}) {
      SCOPED_TRACE("M=" + std::to_string(M) + (with_pool ? " pool" : " serial"));
      const auto A = random_normal(size_t(M * K), uint32_t(M));
      std::vector<std::vector<uint8_t>> W;
      std::vector<std::vector<float>> got, want;
      std::vector<WeightProduct> parts;
      for (int p = 0; p < 3; ++p) {
        W.push_back(random_weights(types[p], rows[p], K, uint32_t(100 + p)));
        got.emplace_back(size_t(M * rows[p]), NAN);
        want.emplace_back(size_t(M * rows[p]), NAN);
      }
      for (int p = 0; p < 3; ++p) parts.push_back({got[size_t(p)].data(), {W[size_t(p)].data(), types[p], rows[p]}});
      cpu::matmul_w_multi(ex, A.data(), M, K, parts);
      for (int p = 0; p < 3; ++p) {
        cpu::matmul_w(ex, want[size_t(p)].data(), A.data(), W[size_t(p)].data(), types[p], M, rows[p], K);
        for (size_t i = 0; i < want[size_t(p)].size(); ++i) {
          ASSERT_EQ(got[size_t(p)][i], want[size_t(p)][i]) << "part " << p << " at " << i;
        }
      }
    }
  }
}

TEST_P(GemvFused, SwigluEqualsMatmulWThenSwiglu) {
  const DType gtype = GetParam(), utype = DType::q4_k;
  const int64_t N = 37, K = k_for(gtype, utype);
  const auto Wg = random_weights(gtype, N, K, 7), Wu = random_weights(utype, N, K, 8);
  for (bool with_pool : {false, true}) {
    const Exec ex{with_pool ? &pool_ : nullptr, nullptr};
    for (int64_t M : {1, 2, 5, 8, 11}) {
      SCOPED_TRACE("M=" + std::to_string(M) + (with_pool ? " pool" : " serial"));
      const auto A = random_normal(size_t(M * K), uint32_t(20 + M));
      std::vector<float> gate(size_t(M * N), NAN), up(gate.size(), NAN);
      std::vector<float> want_gate(gate.size(), NAN), want_up(gate.size(), NAN);
      cpu::matmul_w_swiglu(ex, gate.data(), up.data(), A.data(), M, K, {Wg.data(), gtype, N},
                           {Wu.data(), utype, N});
      cpu::matmul_w(ex, want_gate.data(), A.data(), Wg.data(), gtype, M, N, K);
      cpu::matmul_w(ex, want_up.data(), A.data(), Wu.data(), utype, M, N, K);
      cpu::swiglu(ex, want_gate.data(), want_up.data(), M * N);
      for (size_t i = 0; i < gate.size(); ++i) {
        ASSERT_EQ(up[i], want_up[i]) << "up at " << i;
        ASSERT_EQ(gate[i], want_gate[i]) << "gate at " << i;
      }
    }
  }
}

TEST_P(GemvFused, MultiMatchesRef) {
  const Q8Off q8_off;
  const DType type = GetParam();
  const int64_t K = k_for(type, type), M = 2;
  const int64_t rows[2] = {31, 6};
  const auto A = random_normal(size_t(M * K), 5);
  const auto W0 = random_weights(type, rows[0], K, 50), W1 = random_weights(type, rows[1], K, 51);
  std::vector<float> got0(size_t(M * rows[0])), got1(size_t(M * rows[1]));
  std::vector<float> want0(got0.size()), want1(got1.size());
  const Exec ex{&pool_, nullptr};
  const WeightProduct cpu_parts[2] = {{got0.data(), {W0.data(), type, rows[0]}},
                                      {got1.data(), {W1.data(), type, rows[1]}}};
  const WeightProduct ref_parts[2] = {{want0.data(), {W0.data(), type, rows[0]}},
                                      {want1.data(), {W1.data(), type, rows[1]}}};
  cpu::matmul_w_multi(ex, A.data(), M, K, cpu_parts);
  ref::matmul_w_multi(ex, A.data(), M, K, ref_parts);
  expect_matmul_near(got0, want0, A, W0, type, M, rows[0], K);
  expect_matmul_near(got1, want1, A, W1, type, M, rows[1], K);
}

TEST_P(GemvFused, SwigluMatchesRef) {
  const Q8Off q8_off;
  const DType type = GetParam();
  const int64_t K = k_for(type, type), M = 1, N = 45;
  const auto A = random_normal(size_t(M * K), 6);
  const auto Wg = random_weights(type, N, K, 60), Wu = random_weights(type, N, K, 61);
  std::vector<float> gate(size_t(M * N)), up(gate.size()), want_gate(gate.size()), want_up(gate.size());
  const Exec ex{&pool_, nullptr};
  cpu::matmul_w_swiglu(ex, gate.data(), up.data(), A.data(), M, K, {Wg.data(), type, N}, {Wu.data(), type, N});
  ref::matmul_w_swiglu(ex, want_gate.data(), want_up.data(), A.data(), M, K, {Wg.data(), type, N},
                       {Wu.data(), type, N});
  expect_matmul_near(up, want_up, A, Wu, type, M, N, K);
  // silu(g) * u is well conditioned in g and u: compare with a bound relative to the inputs'.
  for (size_t i = 0; i < gate.size(); ++i) {
    ASSERT_NEAR(gate[i], want_gate[i], 1e-4f * (1.0f + std::fabs(want_gate[i]))) << "at " << i;
  }
}

std::string type_name(const ::testing::TestParamInfo<DType>& param) {
  return std::string(dtype_info(param.param).name);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, GemvFused, ::testing::ValuesIn(all_dtypes()), type_name);

}  // namespace
}  // namespace kern
