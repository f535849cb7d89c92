// 8-bit activation rows and integer weight dots (kernels/q8_act.h, kernels/cpu/q8_dot.h):
//   - kern::cpu::quantize_act equals kern::ref's byte for byte; kern::ref keeps the stated
//     per-element error bound, |q| <= 127 and consistent bsums;
//   - kern::ref::dot_q8 equals the double dot of the dequantized weight and activation rows
//     (checks the integer formulation against the plain block decoders);
//   - every built SIMD kernel (AVX2, AVX-512 VNNI) equals kern::ref::dot_q8 up to float
//     summation error, also on the extreme quants where vpmaddubsw could saturate;
//   - the integer dot is within the stated bound of the float dot with unrounded activations;
//   - kern::cpu::matmul_w's integer path equals kern::ref::matmul_w on the rounded activations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/q8_dot.h"
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

// Activations with a different magnitude in every 32-block (1e-3 .. 1e2), one all-zero block
// and one block with a single nonzero element: what real hidden states look like, and the edges.
std::vector<float> activations(int64_t rows, int64_t K, uint32_t seed) {
  auto x = random_normal(static_cast<size_t>(rows * K), seed);
  for (size_t b = 0; b < x.size() / 32; ++b) {
    const float scale = std::pow(10.0f, float(b % 6) - 3.0f);
    for (size_t j = 0; j < 32; ++j) x[32 * b + j] *= scale;
  }
  std::fill(x.begin(), x.begin() + 32, 0.0f);
  if (x.size() >= 64) {
    std::fill(x.begin() + 32, x.begin() + 64, 0.0f);
    x[40] = -3.5f;
  }
  return x;
}

std::vector<uint8_t> quantized(const std::vector<float>& x, ActQ8 type, int64_t rows, int64_t K) {
  std::vector<uint8_t> y(static_cast<size_t>(rows * act_row_bytes(type, K)));
  ref::quantize_act(Exec{}, y.data(), x.data(), type, rows, K);
  return y;
}

// The stated bound of kernels/q8_act.h for element k of row x.
double element_bound(const float* x, int64_t k, ActQ8 type) {
  const int64_t n = act_block_elems(type), b0 = k / n * n;
  float amax = 0.0f;
  for (int64_t j = b0; j < b0 + n; ++j) amax = std::max(amax, std::fabs(x[j]));
  const double d = double(amax / 127.0f);
  if (type == ActQ8::q8_k) return 0.5001 * d;
  const double dh = fp16_to_fp32(fp32_to_fp16(float(d)));
  return 0.5001 * d + 127.0 * std::fabs(d - dh);
}

class QuantizeAct : public ::testing::TestWithParam<ActQ8> {};

TEST_P(QuantizeAct, CpuMatchesRefByteForByte) {
  if (!cpu::detail::cpu_has_avx2()) GTEST_SKIP() << "this CPU lacks AVX2: kern::cpu runs kern::ref";
  ThreadPool pool(3);
  const ActQ8 type = GetParam();
  for (const int64_t K : {256, 2048}) {
    for (const int64_t rows : {1, 5}) {
      const auto x = activations(rows, K, uint32_t(K + rows));
      const auto want = quantized(x, type, rows, K);
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        std::vector<uint8_t> got(want.size(), 0xAB);
        cpu::quantize_act(Exec{p, nullptr}, got.data(), x.data(), type, rows, K);
        ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size()), 0) << "K=" << K << " rows=" << rows;
      }
    }
  }
}

TEST_P(QuantizeAct, RefWithinStatedBound) {
  const ActQ8 type = GetParam();
  const int64_t K = 1536;
  const auto x = activations(1, K, 7);
  const auto y = quantized(x, type, 1, K);
  std::vector<float> back(static_cast<size_t>(K));
  ref::dequantize_act(back.data(), y.data(), type, K);
  for (int64_t k = 0; k < K; ++k) {
    ASSERT_LE(std::fabs(double(x[size_t(k)]) - back[size_t(k)]), element_bound(x.data(), k, type))
        << "element " << k << ": " << x[size_t(k)] << " came back as " << back[size_t(k)];
  }
  const int64_t n = act_block_elems(type);
  const int qs = type == ActQ8::q8_0 ? quant::q8_0::qs : q8k::qs;
  const int64_t bytes = act_row_bytes(type, n);
  for (int64_t b = 0; b < K / n; ++b) {
    const uint8_t* blk = y.data() + b * bytes;
    for (int j = 0; j < n; ++j) ASSERT_NE(blk[qs + j], 0x80) << "q = -128 in block " << b;
    if (type == ActQ8::q8_k) {
      for (int i = 0; i < 16; ++i) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += int8_t(blk[qs + 16 * i + j]);
        int16_t stored;
        std::memcpy(&stored, blk + q8k::bsums + 2 * i, sizeof stored);
        ASSERT_EQ(stored, sum) << "bsums[" << i << "] of block " << b;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Both, QuantizeAct, ::testing::Values(ActQ8::q8_0, ActQ8::q8_k),
                         [](const ::testing::TestParamInfo<ActQ8>& p) {
                           return std::string(p.param == ActQ8::q8_0 ? "q8_0" : "q8_K");
                         });

// Magnitude of the float terms a kernel sums for element k: |a| (|w| + 2 |dmin * m|); the
// K-quants' d * sc * q and dmin * m terms cancel to w, so each is at most |w| + |dmin * m|.
std::vector<double> term_magnitudes(DType type, const uint8_t* W, const float* w, const float* a, int64_t K) {
  std::vector<double> mag(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) {
    double offset = 0.0;
    if (type == DType::q4_k || type == DType::q5_k) {
      const uint8_t* blk = W + k / 256 * dtype_info(type).block_bytes;
      uint8_t sc, m;
      quant::scale_min_k4(int(k % 256 / 32), blk + quant::q4_k::scales, sc, m);
      offset = std::fabs(double(quant::load_half(blk + quant::q4_k::dmin))) * m;
    }
    mag[size_t(k)] = std::fabs(double(a[k])) * (std::fabs(double(w[k])) + 2.0 * offset);
  }
  return mag;
}

double sum(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s;
}

struct Kernel {
  const char* name;
  cpu::detail::Q8Dot dot;
  cpu::detail::Q8Dot4 dot4;
};

std::vector<Kernel> built_kernels(DType type) {
  std::vector<Kernel> ks;
  if (cpu::detail::cpu_has_avx2()) ks.push_back({"avx2", cpu::detail::q8_dot_avx2(type), cpu::detail::q8_dot4_avx2(type)});
  if (cpu::detail::cpu_has_avx512_vnni()) ks.push_back({"vnni", cpu::detail::q8_dot_vnni(type), cpu::detail::q8_dot4_vnni(type)});
  return ks;
}

class DotQ8 : public ::testing::TestWithParam<DType> {
 protected:
  DType type() const { return GetParam(); }
  ActQ8 act() const { return *act_q8_for(type()); }
  int64_t K() const { return dtype_info(type()).block_elems == 32 ? 1056 : 1536; }
};

TEST_P(DotQ8, RefEqualsDequantizedDot) {
  const int64_t K = this->K();
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const auto W = random_weights(type(), 1, K, seed);
    const auto aq = quantized(activations(1, K, seed + 100), act(), 1, K);
    std::vector<float> w(static_cast<size_t>(K)), a(static_cast<size_t>(K));
    ref::dequantize(Exec{}, w.data(), W.data(), type(), K);
    ref::dequantize_act(a.data(), aq.data(), act(), K);
    double want = 0.0;
    for (int64_t k = 0; k < K; ++k) want += double(w[size_t(k)]) * a[size_t(k)];
    // The decoders round each weight to float (d * sc * q - dmin * m in float): 2^-23 relative.
    const double tol = 1e-6 * sum(term_magnitudes(type(), W.data(), w.data(), a.data(), K)) + 1e-30;
    EXPECT_NEAR(ref::dot_q8(type(), W.data(), aq.data(), K), want, tol) << "seed " << seed;
  }
}

TEST_P(DotQ8, SimdKernelsMatchRef) {
  const auto kernels = built_kernels(type());
  if (kernels.empty()) GTEST_SKIP() << "no SIMD integer kernel runs on this CPU";
  for (const int64_t K : {int64_t(dtype_info(type()).block_elems), this->K(), 4 * this->K()}) {
    const auto W = random_weights(type(), 1, K, uint32_t(K));
    const auto x = activations(1, K, uint32_t(K) + 1);
    const auto aq = quantized(x, act(), 1, K);
    std::vector<float> w(static_cast<size_t>(K)), a(static_cast<size_t>(K));
    ref::dequantize(Exec{}, w.data(), W.data(), type(), K);
    ref::dequantize_act(a.data(), aq.data(), act(), K);
    const double tol = 2e-6 * std::sqrt(double(K)) * sum(term_magnitudes(type(), W.data(), w.data(), a.data(), K)) + 1e-30;
    const float want = ref::dot_q8(type(), W.data(), aq.data(), K);
    for (const Kernel& kern : kernels) {
      ASSERT_NE(kern.dot, nullptr) << kern.name;
      EXPECT_NEAR(kern.dot(W.data(), aq.data(), K), want, tol) << kern.name << " K=" << K;
    }
    EXPECT_NEAR(cpu::dot_q8(type(), W.data(), aq.data(), K), want, tol) << "cpu::dot_q8 K=" << K;
  }
}

// The four-row kernels: row r of c against kern::ref on activation row r (rows with different
// magnitudes), written with an output stride.
TEST_P(DotQ8, FourRowKernelsMatchRef) {
  const auto kernels = built_kernels(type());
  if (kernels.empty()) GTEST_SKIP() << "no SIMD integer kernel runs on this CPU";
  const int64_t K = this->K(), astride = act_row_bytes(act(), K), cstride = 3;
  const auto W = random_weights(type(), 1, K, 77);
  auto x = activations(4, K, 78);
  for (int64_t k = 0; k < K; ++k) x[size_t(2 * K + k)] *= 40.0f;
  const auto aq = quantized(x, act(), 4, K);
  std::vector<float> w(static_cast<size_t>(K)), a(static_cast<size_t>(K));
  ref::dequantize(Exec{}, w.data(), W.data(), type(), K);
  for (const Kernel& kern : kernels) {
    ASSERT_NE(kern.dot4, nullptr) << kern.name;
    std::vector<float> c(static_cast<size_t>(4 * cstride), NAN);
    kern.dot4(W.data(), aq.data(), astride, K, c.data(), cstride);
    for (int64_t r = 0; r < 4; ++r) {
      ref::dequantize_act(a.data(), aq.data() + r * astride, act(), K);
      const double tol = 2e-6 * std::sqrt(double(K)) * sum(term_magnitudes(type(), W.data(), w.data(), a.data(), K)) + 1e-30;
      EXPECT_NEAR(c[size_t(r * cstride)], ref::dot_q8(type(), W.data(), aq.data() + r * astride, K), tol)
          << kern.name << " row " << r;
    }
  }
}

// All quant bits set (q8_0: -128 and 127; others the largest quant) against activations of
// +-127: the largest int16 pair sums vpmaddubsw forms. A saturating kernel would differ.
TEST_P(DotQ8, ExtremeQuantsDoNotSaturate) {
  const auto kernels = built_kernels(type());
  if (kernels.empty()) GTEST_SKIP() << "no SIMD integer kernel runs on this CPU";
  const int64_t K = 512;
  auto W = random_weights(type(), 1, K, 3);  // keeps its valid random scales
  const DTypeInfo& info = dtype_info(type());
  for (int64_t b = 0; b < K / info.block_elems; ++b) {
    uint8_t* blk = W.data() + b * info.block_bytes;
    switch (type()) {
      case DType::q8_0: for (int j = 0; j < 32; ++j) blk[quant::q8_0::qs + j] = j % 2 ? 0x80 : 0x7F; break;
      case DType::q4_0: std::memset(blk + quant::q4_0::qs, 0xFF, 16); break;
      case DType::q4_k: std::memset(blk + quant::q4_k::qs, 0xFF, 128); break;
      case DType::q5_k: std::memset(blk + quant::q5_k::qh, 0xFF, 32 + 128); break;
      case DType::q6_k: std::memset(blk + quant::q6_k::ql, 0xFF, 128 + 64); break;
      default: break;
    }
  }
  for (const float sign : {1.0f, -1.0f}) {
    std::vector<float> x(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) x[size_t(k)] = (k % 2 ? -sign : sign) * 2.0f;
    const auto aq = quantized(x, act(), 1, K);
    std::vector<float> w(static_cast<size_t>(K)), a(static_cast<size_t>(K));
    ref::dequantize(Exec{}, w.data(), W.data(), type(), K);
    ref::dequantize_act(a.data(), aq.data(), act(), K);
    const double tol = 1e-5 * sum(term_magnitudes(type(), W.data(), w.data(), a.data(), K)) + 1e-30;
    const float want = ref::dot_q8(type(), W.data(), aq.data(), K);
    for (const Kernel& kern : kernels) EXPECT_NEAR(kern.dot(W.data(), aq.data(), K), want, tol) << kern.name;
  }
}

// The integer dot against the float dot with the unrounded activations: within
// sum_k |w_k| * bound_k (kernels/q8_act.h) plus float summation error.
TEST_P(DotQ8, WithinStatedBoundOfFloatDot) {
  const int64_t K = this->K();
  for (uint32_t seed = 20; seed < 24; ++seed) {
    const auto W = random_weights(type(), 1, K, seed);
    const auto x = activations(1, K, seed + 50);
    const auto aq = quantized(x, act(), 1, K);
    std::vector<float> w(static_cast<size_t>(K));
    ref::dequantize(Exec{}, w.data(), W.data(), type(), K);
    double exact = 0.0, bound = 0.0;
    for (int64_t k = 0; k < K; ++k) {
      exact += double(w[size_t(k)]) * x[size_t(k)];
      bound += std::fabs(double(w[size_t(k)])) * element_bound(x.data(), k, act());
    }
    const double float_tol = 2e-6 * std::sqrt(double(K)) * sum(term_magnitudes(type(), W.data(), w.data(), x.data(), K));
    EXPECT_NEAR(cpu::dot_q8(type(), W.data(), aq.data(), K), exact, bound + float_tol) << "seed " << seed;
    EXPECT_GT(bound, 0.0);
  }
}

// Restores the defaults even when an assertion fails mid-test.
struct Q8Switch {
  explicit Q8Switch(bool on, int64_t max_rows = cpu::detail::q8_max_rows()) : saved_rows(cpu::detail::q8_max_rows()) {
    cpu::set_q8_activations(on);
    cpu::detail::set_q8_max_rows(max_rows);
  }
  ~Q8Switch() {
    cpu::set_q8_activations(true);
    cpu::detail::set_q8_max_rows(saved_rows);
  }
  Q8Switch(const Q8Switch&) = delete;
  Q8Switch& operator=(const Q8Switch&) = delete;
  int64_t saved_rows;
};

TEST_P(DotQ8, MatmulWIntegerPathMatchesRefOnRoundedActivations) {
  if (!cpu::detail::cpu_has_avx2()) GTEST_SKIP() << "this CPU lacks AVX2: matmul_w keeps the float path";
  const Q8Switch on(true, 1000);  // also the batch sizes of prefill
  ASSERT_NE(cpu::detail::select_q8_dot(type()), nullptr);
  ThreadPool pool(3);
  const int64_t K = this->K(), N = 45;
  for (const int64_t M : {1, 3, 7, 18}) {
    const auto W = random_weights(type(), N, K, uint32_t(M));
    const auto x = activations(M, K, uint32_t(M) + 9);
    const auto aq = quantized(x, act(), M, K);
    std::vector<float> a(static_cast<size_t>(M * K)), w(static_cast<size_t>(N * K));
    for (int64_t m = 0; m < M; ++m) ref::dequantize_act(a.data() + m * K, aq.data() + m * act_row_bytes(act(), K), act(), K);
    ref::dequantize(Exec{}, w.data(), W.data(), type(), N * K);
    std::vector<float> want(static_cast<size_t>(M * N)), got(want.size(), NAN);
    ref::matmul_w(Exec{}, want.data(), a.data(), W.data(), type(), M, N, K);
    cpu::matmul_w(Exec{&pool, nullptr}, got.data(), x.data(), W.data(), type(), M, N, K);
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        const auto mag = term_magnitudes(type(), W.data() + n * row_bytes(type(), K), w.data() + n * K, a.data() + m * K, K);
        const size_t i = size_t(m * N + n);
        ASSERT_NEAR(got[i], want[i], 2e-6 * std::sqrt(double(K)) * sum(mag) + 1e-30) << "M=" << M << " C[" << m << "," << n << "]";
      }
    }
  }
}

TEST_P(DotQ8, SelectionFollowsSwitches) {
  {
    const Q8Switch off(false);
    EXPECT_EQ(cpu::detail::select_q8_dot(type()), nullptr);
  }
  cpu::detail::set_simd_enabled(false);
  EXPECT_EQ(cpu::detail::select_q8_dot(type()), nullptr);
  cpu::detail::set_simd_enabled(true);
  if (!cpu::detail::cpu_has_avx2()) return;
  const cpu::detail::Q8Dot want = cpu::detail::cpu_has_avx512_vnni() ? cpu::detail::q8_dot_vnni(type())
                                                                      : cpu::detail::q8_dot_avx2(type());
  EXPECT_EQ(cpu::detail::select_q8_dot(type()), want);
  cpu::detail::set_vnni_enabled(false);
  EXPECT_EQ(cpu::detail::select_q8_dot(type()), cpu::detail::q8_dot_avx2(type()));
  cpu::detail::set_vnni_enabled(true);
}

INSTANTIATE_TEST_SUITE_P(QuantTypes, DotQ8,
                         ::testing::Values(DType::q8_0, DType::q4_0, DType::q4_k, DType::q5_k, DType::q6_k),
                         [](const ::testing::TestParamInfo<DType>& p) {
                           return std::string(dtype_info(p.param).name);
                         });

TEST(DotQ8Types, FloatTypesHaveNoIntegerPath) {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_FALSE(act_q8_for(t).has_value());
    EXPECT_EQ(cpu::detail::select_q8_dot(t), nullptr);
  }
}

}  // namespace
}  // namespace kern
