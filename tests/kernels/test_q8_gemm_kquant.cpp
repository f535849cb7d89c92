// The K-quant integer prefill GEMM (kernels/cpu/q8_gemm_kquant_vnni.cpp) against its oracle
// kern::ref::dot_q8 on the same quantized activations, for q4_K, q5_K and q6_K:
//   - every (M, N) in 1..17 x 1..17 (all edge tiles of the 8 x 16 register tile), K = 256 and
//     512, plus larger shapes up to K = 4096 and N beyond several panels;
//   - padded strides (w_stride, a_stride, ldc larger than a row): C outside m < M, n < N untouched;
//   - adversarial blocks: max scales and mins, all-15 / all-0 nibbles (q5_K all-31 / all-0),
//     q6_K quants -32 / 31 with scales -128 / 127, zero super-blocks, huge and tiny fp16 d,
//     activations at +-127 (where any int16 intermediate would saturate);
// with a tolerance relative to sum_k |a_k| * (|w_k| + 2 * dmin * m_k) (the two terms the kernel
// sums separately). Skipped when the CPU lacks AVX-512 VNNI (the kernel must not run there).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/q8_gemm.h"
#include "kernels/half.h"
#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

using cpu::detail::Q8Gemm;
using testing::random_normal;
using testing::random_weights;

constexpr float kSentinel = -12345.0f;

// Row-major problem with padded strides: W rows of `w_stride` bytes, A rows of `a_stride`.
struct Problem {
  DType type;
  int64_t M, N, K, w_stride, a_stride;
  std::vector<uint8_t> W, A;
};

Problem make_problem(DType type, int64_t M, int64_t N, int64_t K, uint32_t seed, int64_t pad = 0) {
  Problem p{type, M, N, K, row_bytes(type, K) + pad, act_row_bytes(ActQ8::q8_k, K) + pad, {}, {}};
  const auto w = random_weights(type, N, K, seed);
  p.W.assign(size_t(N * p.w_stride), 0xAB);
  for (int64_t n = 0; n < N; ++n) {
    std::memcpy(p.W.data() + n * p.w_stride, w.data() + n * row_bytes(type, K), size_t(row_bytes(type, K)));
  }
  // Activations with a different magnitude per 256-block (1e-3 .. 1e2), as hidden states vary.
  auto x = random_normal(size_t(M * K), seed + 1);
  for (size_t b = 0; b < x.size() / 256; ++b) {
    for (size_t j = 0; j < 256; ++j) x[256 * b + j] *= std::pow(10.0f, float(b % 6) - 3.0f);
  }
  p.A.assign(size_t(M * p.a_stride), 0xCD);
  for (int64_t m = 0; m < M; ++m) {
    ref::quantize_act(Exec{}, p.A.data() + m * p.a_stride, x.data() + m * K, ActQ8::q8_k, 1, K);
  }
  return p;
}

// sum_k |a_k| * (|w_k| + 2 * dmin * m_k) of weight row n and activation row m.
double magnitude(const Problem& p, int64_t n, int64_t m) {
  std::vector<float> w(size_t(p.K)), a(size_t(p.K));
  const uint8_t* wr = p.W.data() + n * p.w_stride;
  ref::dequantize(Exec{}, w.data(), wr, p.type, p.K);
  ref::dequantize_act(a.data(), p.A.data() + m * p.a_stride, ActQ8::q8_k, p.K);
  double s = 0.0;
  for (int64_t k = 0; k < p.K; ++k) {
    double offset = 0.0;
    if (p.type != DType::q6_k) {
      const uint8_t* blk = wr + k / 256 * dtype_info(p.type).block_bytes;
      uint8_t sc, mn;
      quant::scale_min_k4(int(k % 256 / 32), blk + quant::q4_k::scales, sc, mn);
      offset = std::fabs(double(quant::load_half(blk + quant::q4_k::dmin))) * mn;
    }
    s += std::fabs(double(a[size_t(k)])) * (std::fabs(double(w[size_t(k)])) + 2.0 * offset);
  }
  return s;
}

// Runs the GEMM into C with ldc = N + 3 (sentinels around) and checks every entry against
// ref::dot_q8 and the sentinels. Returns the number of entries checked.
int64_t check(Q8Gemm gemm, const Problem& p, const std::string& what) {
  const int64_t ldc = p.N + 3;
  std::vector<float> C(size_t(p.M * ldc + 5), kSentinel);
  gemm(p.W.data(), p.w_stride, p.A.data(), p.a_stride, p.M, p.N, p.K, C.data(), ldc);
  int64_t checked = 0;
  for (int64_t m = 0; m < p.M; ++m) {
    for (int64_t n = 0; n < ldc; ++n) {
      const float got = C[size_t(m * ldc + n)];
      if (n >= p.N) {
        EXPECT_EQ(got, kSentinel) << what << " wrote outside C at m=" << m << " n=" << n;
        continue;
      }
      const float want = ref::dot_q8(p.type, p.W.data() + n * p.w_stride, p.A.data() + m * p.a_stride, p.K);
      const double tol = 1e-5 * magnitude(p, n, m) + 1e-30;
      EXPECT_NEAR(got, want, tol) << what << " M=" << p.M << " N=" << p.N << " K=" << p.K << " m=" << m
                                  << " n=" << n;
      ++checked;
    }
  }
  for (size_t i = size_t(p.M * ldc); i < C.size(); ++i) EXPECT_EQ(C[i], kSentinel) << what << " wrote past C";
  return checked;
}

class Q8GemmKquant : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    if (!cpu::detail::cpu_has_avx512_vnni()) GTEST_SKIP() << "this CPU lacks AVX-512 VNNI: the kernel is never selected";
    gemm_ = cpu::detail::q8_gemm_kquant_vnni(GetParam());
    ASSERT_NE(gemm_, nullptr);
  }
  DType type() const { return GetParam(); }
  Q8Gemm gemm_ = nullptr;
};

TEST_P(Q8GemmKquant, EveryEdgeTileMatchesRef) {
  for (const int64_t K : {256, 512}) {
    for (int64_t M = 1; M <= 17; ++M) {
      for (int64_t N = 1; N <= 17; ++N) {
        const auto p = make_problem(type(), M, N, K, uint32_t(100 * M + N + K));
        check(gemm_, p, "edge");
        if (HasFailure()) return;
      }
    }
  }
}

TEST_P(Q8GemmKquant, LargerShapesAndPaddedStridesMatchRef) {
  struct Shape { int64_t M, N, K, pad; };
  for (const Shape s : {Shape{8, 16, 4096, 0}, Shape{17, 33, 4096, 0}, Shape{9, 50, 2304, 7}, Shape{24, 48, 1024, 64},
                        Shape{3, 70, 768, 1}, Shape{33, 5, 3072, 13}}) {
    const auto p = make_problem(type(), s.M, s.N, s.K, uint32_t(s.M * 7 + s.N), s.pad);
    EXPECT_EQ(check(gemm_, p, "shape"), s.M * s.N);
  }
}

// Overwrites one weight super-block with an extreme pattern: `pattern` picks the quants (max or
// 0), the fp16 d (65504, subnormal 6e-8 or 0.75) and the sign of dmin (q6_K: scales -128 or 127).
void set_block(DType type, uint8_t* blk, int pattern) {
  const auto put_half = [&](int at, float v) { quant::store_u16(blk + at, fp32_to_fp16(v)); };
  const float d = pattern % 3 == 0 ? 65504.0f : pattern % 3 == 1 ? 6.0e-8f : 0.75f;  // max, subnormal, plain
  switch (type) {
    case DType::q4_k:
    case DType::q5_k: {
      std::memset(blk + quant::q4_k::scales, 0xFF, 12);  // every scale and min 63
      const int qs = type == DType::q4_k ? quant::q4_k::qs : quant::q5_k::qs;
      std::memset(blk + qs, pattern % 2 ? 0x00 : 0xFF, 128);
      if (type == DType::q5_k) std::memset(blk + quant::q5_k::qh, pattern % 2 ? 0x00 : 0xFF, 32);
      put_half(quant::q4_k::d, d);
      put_half(quant::q4_k::dmin, pattern % 4 < 2 ? d : -d);
      break;
    }
    case DType::q6_k:
      std::memset(blk + quant::q6_k::ql, pattern % 2 ? 0x00 : 0xFF, 128 + 64);  // all -32 or all 31
      for (int s = 0; s < 16; ++s) blk[quant::q6_k::scales + s] = uint8_t(int8_t(pattern % 4 < 2 ? -128 : 127));
      put_half(quant::q6_k::d, d);
      break;
    default: break;
  }
}

TEST_P(Q8GemmKquant, AdversarialBlocksMatchRef) {
  const int64_t K = 2048, M = 11, N = 19;
  auto p = make_problem(type(), M, N, K, 7);
  const int64_t bb = dtype_info(type()).block_bytes;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t b = 0; b < K / 256; ++b) {
      uint8_t* blk = p.W.data() + n * p.w_stride + b * bb;
      if ((n + b) % 5 == 4) {
        std::memset(blk, 0, size_t(bb));  // a zero super-block
      } else if ((n + b) % 5 != 3) {
        set_block(type(), blk, int(n + 3 * b));  // otherwise keep the random block
      }
    }
  }
  // Activation rows at +-127: all +, all -, alternating, and random ones in between.
  std::vector<float> x(size_t(M * K));
  const auto noise = random_normal(x.size(), 9);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t k = 0; k < K; ++k) {
      const float v = m % 4 == 0 ? 2.0f : m % 4 == 1 ? -2.0f : m % 4 == 2 ? (k % 2 ? -2.0f : 2.0f) : noise[size_t(m * K + k)];
      x[size_t(m * K + k)] = v;
    }
  }
  for (int64_t m = 0; m < M; ++m) {
    ref::quantize_act(Exec{}, p.A.data() + m * p.a_stride, x.data() + m * K, ActQ8::q8_k, 1, K);
  }
  EXPECT_EQ(check(gemm_, p, "adversarial"), M * N);
}

INSTANTIATE_TEST_SUITE_P(KQuants, Q8GemmKquant, ::testing::Values(DType::q4_k, DType::q5_k, DType::q6_k),
                         [](const ::testing::TestParamInfo<DType>& param_info) {
                           return std::string(dtype_info(param_info.param).name);
                         });

TEST(Q8GemmKquantTypes, OtherTypesHaveNoKernel) {
  for (const DType t : {DType::f32, DType::f16, DType::bf16, DType::q8_0, DType::q4_0}) {
    EXPECT_EQ(cpu::detail::q8_gemm_kquant_vnni(t), nullptr) << dtype_info(t).name;
  }
}

}  // namespace
}  // namespace kern
