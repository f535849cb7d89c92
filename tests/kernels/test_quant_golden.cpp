// Golden tests of the weight formats against the independent numpy reference
// tests/golden/ggml_quants_ref.py (written from GGML's block specification): kern::ref and
// kern::cpu dequantize random blocks to numpy's values, and the fp16/bf16 conversions agree with
// numpy on all 65536 16-bit patterns, on every fp16 midpoint (ties) and on 2^20 random floats.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/half.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace kern {
namespace {

namespace fs = std::filesystem;

template <class T>
std::vector<T> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<T> data(static_cast<size_t>(fs::file_size(path) / sizeof(T)));
  in.read(reinterpret_cast<char*>(data.data()), std::streamsize(data.size() * sizeof(T)));
  return data;
}

// Distance in units in the last place between two finite floats of the same sign.
int64_t ulps(float a, float b) {
  const auto key = [](float f) {
    const auto u = std::bit_cast<int32_t>(f);
    return u < 0 ? int64_t(std::numeric_limits<int32_t>::min()) - u : int64_t(u);
  };
  return std::llabs(key(a) - key(b));
}

class QuantGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("quire_quant_golden_" + std::to_string(getpid()));
    const std::string cmd = std::string(QUIRE_PYTHON) + " " + QUIRE_GOLDEN_SCRIPT + " " +
                            dir_.string();
    status_ = std::system(cmd.c_str());
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    ASSERT_EQ(status_, 0) << "the numpy reference failed: " << QUIRE_PYTHON << " "
                          << QUIRE_GOLDEN_SCRIPT << " (needs python3-numpy)";
  }

  // ref and cpu dequantize of <name>.blocks against <name>.f32, within max_ulps.
  static void check_blocks(const char* name, DType type, int64_t max_ulps) {
    const auto blocks = read_file<uint8_t>(dir_ / (std::string(name) + ".blocks"));
    const auto want = read_file<float>(dir_ / (std::string(name) + ".f32"));
    const DTypeInfo& info = dtype_info(type);
    ASSERT_EQ(int64_t(blocks.size()) / info.block_bytes * info.block_elems, int64_t(want.size()));
    const auto n = static_cast<int64_t>(want.size());
    ThreadPool pool(2);
    std::vector<float> got_ref(want.size(), NAN), got_cpu(want.size(), NAN);
    ref::dequantize(Exec{}, got_ref.data(), blocks.data(), type, n);
    cpu::dequantize(Exec{&pool, nullptr}, got_cpu.data(), blocks.data(), type, n);
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_LE(ulps(got_ref[i], want[i]), max_ulps) << name << " ref at " << i << ": got "
                                                     << got_ref[i] << ", numpy " << want[i];
      ASSERT_EQ(got_cpu[i], got_ref[i]) << name << " cpu at " << i;
    }
  }

  static inline fs::path dir_;
  static inline int status_ = -1;
};

TEST_F(QuantGolden, Q8_0Exact) { check_blocks("q8_0", DType::q8_0, 0); }
TEST_F(QuantGolden, Q4_0Exact) { check_blocks("q4_0", DType::q4_0, 0); }
TEST_F(QuantGolden, Q4_KWithinOneUlp) { check_blocks("q4_K", DType::q4_k, 1); }
TEST_F(QuantGolden, Q5_KWithinOneUlp) { check_blocks("q5_K", DType::q5_k, 1); }
TEST_F(QuantGolden, Q6_KWithinOneUlp) { check_blocks("q6_K", DType::q6_k, 1); }

// NaN payloads and quieting differ between numpy builds (software vs F16C); Quire's contract is
// "NaN stays NaN with its sign", everything else must match bit for bit.
void expect_same_float(uint32_t got, uint32_t want, uint32_t input) {
  const float g = std::bit_cast<float>(got), w = std::bit_cast<float>(want);
  if (std::isnan(w)) {
    ASSERT_TRUE(std::isnan(g)) << "input 0x" << std::hex << input;
    ASSERT_EQ(got >> 31, want >> 31) << "input 0x" << std::hex << input;
  } else {
    ASSERT_EQ(got, want) << "input 0x" << std::hex << input;
  }
}

TEST_F(QuantGolden, Fp16ToFp32AllPatterns) {
  const auto want = read_file<uint32_t>(dir_ / "f16_to_f32.u32");
  ASSERT_EQ(want.size(), 65536u);
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = uint16_t(h);
  std::vector<float> via_dequantize(65536);
  ref::dequantize(Exec{}, via_dequantize.data(), all.data(), DType::f16, 65536);
  for (uint32_t h = 0; h < 65536; ++h) {
    expect_same_float(std::bit_cast<uint32_t>(fp16_to_fp32(uint16_t(h))), want[h], h);
    expect_same_float(std::bit_cast<uint32_t>(via_dequantize[h]), want[h], h);
  }
}

TEST_F(QuantGolden, Bf16ToFp32AllPatterns) {
  const auto want = read_file<uint32_t>(dir_ / "bf16_to_f32.u32");
  ASSERT_EQ(want.size(), 65536u);
  std::vector<uint16_t> all(65536);
  for (uint32_t h = 0; h < 65536; ++h) all[h] = uint16_t(h);
  std::vector<float> via_dequantize(65536);
  cpu::dequantize(Exec{}, via_dequantize.data(), all.data(), DType::bf16, 65536);
  for (uint32_t h = 0; h < 65536; ++h) {
    ASSERT_EQ(std::bit_cast<uint32_t>(bf16_to_fp32(uint16_t(h))), want[h]) << h;
    ASSERT_EQ(std::bit_cast<uint32_t>(via_dequantize[h]), want[h]) << h;
  }
}

void expect_same_half(uint16_t got, uint16_t want, float input) {
  if ((want & 0x7C00) == 0x7C00 && (want & 0x3FF) != 0) {  // NaN
    ASSERT_EQ(got & 0x7C00, 0x7C00) << input;
    ASSERT_NE(got & 0x3FF, 0) << input;
    ASSERT_EQ(got & 0x8000, want & 0x8000) << input;
  } else {
    ASSERT_EQ(got, want) << "input " << input << " (0x" << std::hex
                         << std::bit_cast<uint32_t>(input) << ")";
  }
}

TEST_F(QuantGolden, Fp32ToFp16RoundsToNearestEven) {
  const auto in = read_file<float>(dir_ / "f32_to_f16.in");
  const auto want = read_file<uint16_t>(dir_ / "f32_to_f16.u16");
  ASSERT_EQ(in.size(), want.size());
  ASSERT_GT(in.size(), 1u << 20);
  for (size_t i = 0; i < in.size(); ++i) expect_same_half(fp32_to_fp16(in[i]), want[i], in[i]);
}

TEST_F(QuantGolden, Fp32ToBf16RoundsToNearestEven) {
  const auto in = read_file<float>(dir_ / "f32_to_f16.in");
  const auto want = read_file<uint16_t>(dir_ / "f32_to_bf16.u16");
  ASSERT_EQ(in.size(), want.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(fp32_to_bf16(in[i]), want[i]) << "input 0x" << std::hex << std::bit_cast<uint32_t>(in[i]);
  }
}

}  // namespace
}  // namespace kern
