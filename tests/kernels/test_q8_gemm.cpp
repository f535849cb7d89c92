// The integer prefill GEMM (kernels/cpu/q8_gemm.h) for q8_0 and q4_0 weights:
//   - q8_gemm_q8_0_vnni equals kern::ref::dot_q8 per (m, n) on the same quantized activations,
//     for every M, N in 1..17 against K from one block to past 2048 (edge tiles, partial
//     16-block groups), within float summation error relative to sum_k |w_k * a_k|;
//   - adversarial blocks: quants -128/127 in both operands (the kernel's u8 offset and the
//     weight-sum correction at their extremes), zero blocks, fp16 max and subnormal scales;
//   - it writes exactly C[m * ldc + n] for m < M, n < N (nothing in the ldc gap);
//   - kern::cpu::matmul_w at M >= q8_max_rows() takes it and equals kern::ref::matmul_w on the
//     rounded activations; select_q8_gemm follows the switches.
// Skipped where the CPU lacks AVX-512 VNNI (the kernel has no other build).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/q8_gemm.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/half.h"
#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"
#include "kernels/thread_pool.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

using testing::random_normal;
using testing::random_weights;

constexpr int64_t kAb = quant::q8_0::bytes;  // bytes of one q8_0 activation block

// `rows` activation rows quantized by kern::ref, block b scaled by 10^(b % 5 - 2).
std::vector<uint8_t> activations(int64_t rows, int64_t K, uint32_t seed) {
  auto x = random_normal(static_cast<size_t>(rows * K), seed);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    for (size_t j = 0; j < 32; ++j) x[32 * b + j] *= std::pow(10.0f, float(b % 5) - 2.0f);
  }
  std::vector<uint8_t> y(static_cast<size_t>(rows * act_row_bytes(ActQ8::q8_0, K)));
  ref::quantize_act(Exec{}, y.data(), x.data(), ActQ8::q8_0, rows, K);
  return y;
}

// sum_k |dequant(w)[k] * dequant(a)[k]| for one weight row and one activation row.
double magnitude(DType type, const uint8_t* w, const uint8_t* a, int64_t K) {
  std::vector<float> wf(static_cast<size_t>(K)), af(static_cast<size_t>(K));
  quant::decode_row(type, w, wf.data(), K);
  ref::dequantize_act(af.data(), a, ActQ8::q8_0, K);
  double s = 0.0;
  for (int64_t k = 0; k < K; ++k) s += std::fabs(double(wf[size_t(k)]) * af[size_t(k)]);
  return s;
}

class Q8Gemm : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (!cpu::detail::cpu_has_avx512_vnni()) GTEST_SKIP() << "this CPU lacks AVX-512 VNNI: no integer GEMM build runs";
    gemm_ = cpu::detail::q8_gemm_q8_0_vnni(GetParam());
    ASSERT_NE(gemm_, nullptr);
  }
  DType type() const { return GetParam(); }

  // Runs the GEMM on W (N rows) x A (M rows) with ldc = N + 3 and checks every output against
  // kern::ref::dot_q8 and the ldc gap against its sentinel.
  void check(const std::vector<uint8_t>& W, const std::vector<uint8_t>& A, int64_t M, int64_t N,
             int64_t K) const {
    const int64_t ws = row_bytes(type(), K), as = act_row_bytes(ActQ8::q8_0, K), ldc = N + 3;
    std::vector<float> C(static_cast<size_t>(M * ldc), -7.0f);
    gemm_(W.data(), ws, A.data(), as, M, N, K, C.data(), ldc);
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < ldc; ++n) {
        const float got = C[size_t(m * ldc + n)];
        if (n >= N) {
          ASSERT_EQ(got, -7.0f) << "wrote into the ldc gap at C[" << m << "," << n << "]";
          continue;
        }
        const uint8_t* w = W.data() + n * ws;
        const uint8_t* a = A.data() + m * as;
        const float want = ref::dot_q8(type(), w, a, K);
        ASSERT_NEAR(got, want, 1e-5 * magnitude(type(), w, a, K))
            << "M=" << M << " N=" << N << " K=" << K << " C[" << m << "," << n << "]";
      }
    }
  }

  cpu::detail::Q8Gemm gemm_ = nullptr;
};

TEST_P(Q8Gemm, EqualsRefDotForEdgeTilesAndLengths) {
  for (const int64_t K : {32, 96, 512, 544, 2080}) {
    for (const int64_t M : {1, 2, 3, 4, 5, 7, 9, 16, 17}) {
      for (const int64_t N : {1, 3, 4, 5, 8, 13, 17}) {
        const auto W = random_weights(type(), N, K, uint32_t(K * 31 + N));
        const auto A = activations(M, K, uint32_t(K * 17 + M));
        check(W, A, M, N, K);
      }
    }
  }
}

TEST_P(Q8Gemm, PanelsBeyondOneCacheBlock) {
  // More weight rows than one packed panel holds at this K (256 KiB / 7040 B = 36 rows), and
  // M not a multiple of the tile height.
  const int64_t M = 10, N = 83, K = 5632;
  check(random_weights(type(), N, K, 5), activations(M, K, 6), M, N, K);
}

// Sets block b of a weight row: scale d and every quant q (q4_0: the nibble for q + 8).
void set_weight_block(DType type, uint8_t* w, int64_t b, uint16_t d, int q) {
  const int64_t wb = row_bytes(type, 32);
  uint8_t* blk = w + b * wb;
  std::memcpy(blk, &d, 2);
  if (type == DType::q8_0) {
    std::memset(blk + quant::q8_0::qs, uint8_t(int8_t(q)), 32);
  } else {
    const auto nib = uint8_t(q + 8);
    std::memset(blk + quant::q4_0::qs, uint8_t(nib | (nib << 4)), 16);
  }
}

void set_act_block(uint8_t* a, int64_t b, uint16_t d, int q) {
  uint8_t* blk = a + b * kAb;
  std::memcpy(blk, &d, 2);
  std::memset(blk + quant::q8_0::qs, uint8_t(int8_t(q)), 32);
}

TEST_P(Q8Gemm, AdversarialBlocks) {
  const int64_t M = 5, N = 6, K = 1024, blocks = K / 32;
  const int qmin = type() == DType::q8_0 ? -128 : -8, qmax = type() == DType::q8_0 ? 127 : 7;
  const uint16_t one = fp32_to_fp16(1.0f), huge = fp32_to_fp16(65504.0f), tiny = 0x0001;  // 2^-24
  auto W = random_weights(type(), N, K, 11);
  auto A = activations(M, K, 12);
  const int64_t ws = row_bytes(type(), K), as = act_row_bytes(ActQ8::q8_0, K);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t kind = (n + b) % 6;
      uint8_t* w = W.data() + n * ws;
      if (kind == 0) set_weight_block(type(), w, b, one, qmin);
      if (kind == 1) set_weight_block(type(), w, b, huge, qmax);
      if (kind == 2) set_weight_block(type(), w, b, tiny, qmin);
      if (kind == 3) set_weight_block(type(), w, b, 0, qmax);  // zero scale
    }
  }
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t kind = (m + 2 * b) % 7;
      uint8_t* a = A.data() + m * as;
      if (kind == 0) set_act_block(a, b, one, -128);  // outside quantize_act's range, still exact
      if (kind == 1) set_act_block(a, b, huge, 127);
      if (kind == 2) set_act_block(a, b, tiny, -127);
      if (kind == 3) set_act_block(a, b, one, 0);  // zero block
    }
  }
  check(W, A, M, N, K);
}

TEST_P(Q8Gemm, MatmulWTakesItAndEqualsRefOnRoundedActivations) {
  ASSERT_EQ(cpu::detail::select_q8_gemm(type()), gemm_);
  ThreadPool pool(2);
  for (const auto& [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{8, 45, 2048},
                                {13, 1, 64},
                                {37, 70, 544}}) {
    ASSERT_GE(M, cpu::detail::q8_max_rows());
    const auto W = random_weights(type(), N, K, uint32_t(M + N));
    auto x = random_normal(static_cast<size_t>(M * K), uint32_t(K));
    std::vector<uint8_t> aq(static_cast<size_t>(M * act_row_bytes(ActQ8::q8_0, K)));
    ref::quantize_act(Exec{}, aq.data(), x.data(), ActQ8::q8_0, M, K);
    std::vector<float> a(x.size());
    for (int64_t m = 0; m < M; ++m) {
      ref::dequantize_act(a.data() + m * K, aq.data() + m * act_row_bytes(ActQ8::q8_0, K), ActQ8::q8_0, K);
    }
    std::vector<float> want(static_cast<size_t>(M * N)), got(want.size(), NAN);
    ref::matmul_w(Exec{}, want.data(), a.data(), W.data(), type(), M, N, K);
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      cpu::matmul_w(Exec{p, nullptr}, got.data(), x.data(), W.data(), type(), M, N, K);
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = 0; n < N; ++n) {
          const double mag = magnitude(type(), W.data() + n * row_bytes(type(), K),
                                       aq.data() + m * act_row_bytes(ActQ8::q8_0, K), K);
          const size_t i = size_t(m * N + n);
          ASSERT_NEAR(got[i], want[i], 1e-5 * mag) << "M=" << M << " N=" << N << " C[" << m << "," << n << "]";
        }
      }
    }
  }
}

TEST_P(Q8Gemm, SelectionFollowsSwitches) {
  EXPECT_EQ(cpu::detail::select_q8_gemm(type()), gemm_);
  cpu::set_q8_activations(false);
  EXPECT_EQ(cpu::detail::select_q8_gemm(type()), nullptr);
  cpu::set_q8_activations(true);
  cpu::detail::set_simd_enabled(false);
  EXPECT_EQ(cpu::detail::select_q8_gemm(type()), nullptr);
  cpu::detail::set_simd_enabled(true);
  cpu::detail::set_vnni_enabled(false);
  EXPECT_EQ(cpu::detail::select_q8_gemm(type()), nullptr);
  cpu::detail::set_vnni_enabled(true);
}

INSTANTIATE_TEST_SUITE_P(Types, Q8Gemm, ::testing::Values(DType::q8_0, DType::q4_0),
                         [](const ::testing::TestParamInfo<DType>& p) {
                           return std::string(dtype_info(p.param).name);
                         });

TEST(Q8GemmTypes, FloatTypesHaveNoIntegerGemm) {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_EQ(cpu::detail::q8_gemm_q8_0_vnni(t), nullptr);
    EXPECT_EQ(cpu::detail::select_q8_gemm(t), nullptr);
  }
}

}  // namespace
}  // namespace kern
