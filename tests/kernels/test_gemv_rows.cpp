// The decode GEMV kernels that take several weight rows per call (kernels/cpu/q8_dot.h
// Q8DotRows4), per built instruction set:
//   - each row equals the one-row kernel of the same build bit for bit (matmul_w and the fused
//     passes group rows differently, and their outputs must agree exactly);
//   - each row equals kern::ref::dot_q8 up to float summation error;
//   - rows are read at w + r * stride for a stride larger than a row.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/kernels.h"
#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"
#include "tests/kernels/quant_test_util.h"

namespace kern {
namespace {

using testing::random_normal;
using testing::random_weights;

struct Q8Kernels {
  const char* name;
  cpu::detail::Q8Dot dot;
  cpu::detail::Q8DotRows4 rows4;
};

std::vector<Q8Kernels> q8_kernels(DType type) {
  std::vector<Q8Kernels> ks;
  if (cpu::detail::cpu_has_avx2()) {
    ks.push_back({"avx2", cpu::detail::q8_dot_avx2(type), cpu::detail::q8_dot_rows4_avx2(type)});
  }
  if (cpu::detail::cpu_has_avx512_vnni()) {
    ks.push_back({"vnni", cpu::detail::q8_dot_vnni(type), cpu::detail::q8_dot_rows4_vnni(type)});
  }
  return ks;
}

class Q8Rows4 : public ::testing::TestWithParam<DType> {};

// Weight rows 0, 2, 4, 6 of 8 random rows (every quant and scale bit pattern) against one
// activation row with a different magnitude per 32 elements.
TEST_P(Q8Rows4, EqualsOneRowKernelAndRef) {
  const DType type = GetParam();
  const auto kernels = q8_kernels(type);
  if (kernels.empty()) GTEST_SKIP() << "no SIMD integer kernel runs on this CPU";
  const ActQ8 act = *act_q8_for(type);
  // q8_0 / q4_0 (32-element blocks) also with an odd number of blocks: the kernels' tail block.
  const bool k_quant = dtype_info(type).block_elems == 256;
  std::vector<int64_t> ks = {256, 1536, 2816};
  if (!k_quant) ks.insert(ks.end(), {32, 96, 2080});
  for (const int64_t K : ks) {
    const int64_t rb = row_bytes(type, K), stride = 2 * rb;
    const auto W = random_weights(type, 8, K, uint32_t(K) + 3);
    auto x = random_normal(static_cast<size_t>(K), uint32_t(K) + 4);
    for (size_t k = 0; k < x.size(); ++k) x[k] *= std::pow(10.0f, float(k / 32 % 5) - 2.0f);
    std::vector<uint8_t> aq(static_cast<size_t>(act_row_bytes(act, K)));
    ref::quantize_act(Exec{}, aq.data(), x.data(), act, 1, K);
    std::vector<float> a(static_cast<size_t>(K)), w(static_cast<size_t>(K));
    ref::dequantize_act(a.data(), aq.data(), act, K);
    for (const Q8Kernels& kern : kernels) {
      ASSERT_NE(kern.dot, nullptr) << kern.name;
      ASSERT_NE(kern.rows4, nullptr) << kern.name;
      float c[4] = {NAN, NAN, NAN, NAN};
      kern.rows4(W.data(), stride, aq.data(), K, c);
      for (int64_t r = 0; r < 4; ++r) {
        const uint8_t* wr = W.data() + r * stride;
        // Float terms the kernels sum: |a| (|w| + 2 |dmin * m|) per element (the K-quants'
        // d * sc * q and dmin * m terms cancel to w); float rounding of each, summed.
        ref::dequantize(Exec{}, w.data(), wr, type, K);
        double mag = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          double offset = 0.0;
          if (type == DType::q4_k || type == DType::q5_k) {
            const uint8_t* blk = wr + k / 256 * dtype_info(type).block_bytes;
            uint8_t sc, m;
            quant::scale_min_k4(int(k % 256 / 32), blk + quant::q4_k::scales, sc, m);
            offset = std::fabs(double(quant::load_half(blk + quant::q4_k::dmin))) * m;
          }
          mag += std::fabs(double(a[size_t(k)])) * (std::fabs(double(w[size_t(k)])) + 2.0 * offset);
        }
        const double tol = 2e-6 * std::sqrt(double(K)) * mag + 1e-30;
        EXPECT_EQ(c[r], kern.dot(wr, aq.data(), K)) << kern.name << " K=" << K << " row " << r;
        EXPECT_NEAR(c[r], ref::dot_q8(type, wr, aq.data(), K), tol) << kern.name << " K=" << K << " row " << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllQuants, Q8Rows4,
                         ::testing::Values(DType::q8_0, DType::q4_0, DType::q4_k, DType::q5_k, DType::q6_k),
                         [](const ::testing::TestParamInfo<DType>& p) {
                           return std::string(dtype_info(p.param).name);
                         });

// The decode path picks the four-weight-row kernel of the selected build for every quantized
// type, and none for the float types (they take the float path).
TEST(Q8Rows4Selection, QuantizedTypesOnly) {
  if (!cpu::detail::cpu_has_avx2()) GTEST_SKIP() << "this CPU lacks AVX2: no integer path";
  for (DType type : {DType::q8_0, DType::q4_0, DType::q4_k, DType::q5_k, DType::q6_k}) {
    EXPECT_NE(cpu::detail::select_q8_dot_rows4(type), nullptr) << dtype_info(type).name;
  }
  for (DType type : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_EQ(cpu::detail::select_q8_dot_rows4(type), nullptr) << dtype_info(type).name;
  }
  cpu::set_q8_activations(false);
  EXPECT_EQ(cpu::detail::select_q8_dot_rows4(DType::q4_k), nullptr);
  EXPECT_EQ(cpu::detail::select_q8_dot_rows4(DType::q8_0), nullptr);
  cpu::set_q8_activations(true);
}

}  // namespace
}  // namespace kern
