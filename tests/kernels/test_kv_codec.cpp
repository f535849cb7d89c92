// KV row codecs: fp16 against the compiler's _Float16 conversions (an independent
// implementation), q8_0 against hand-computed blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/half.h"
#include "kernels/kv_codec.h"

namespace kern {
namespace {

#if defined(__FLT16_MAX__)
TEST(Fp16, DecodesEveryHalfLikeTheCompiler) {
  for (uint32_t h = 0; h < 65536; ++h) {
    _Float16 ref;
    const auto bits = uint16_t(h);
    std::memcpy(&ref, &bits, 2);
    const float want = float(ref), got = fp16_to_fp32(bits);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << h;
    } else {
      ASSERT_EQ(std::memcmp(&want, &got, 4), 0) << h;
    }
  }
}

TEST(Fp16, EncodesLikeTheCompilerRoundToNearestEven) {
  std::mt19937 rng(5);
  std::vector<float> xs = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e6f, -1e6f,
                           0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f, 0x1p-14f, 0x1.ffcp-15f,
                           INFINITY, -INFINITY, 1.0f + 0x1p-11f, 1.0f + 0x1.8p-11f};
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    const uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, 4);
    xs.push_back(f);
  }
  std::uniform_real_distribution<float> small(-70000.0f, 70000.0f);
  for (int i = 0; i < 100000; ++i) xs.push_back(small(rng) * (i % 2 ? 1.0f : 1e-5f));
  for (float x : xs) {
    const _Float16 ref = static_cast<_Float16>(x);
    uint16_t want;
    std::memcpy(&want, &ref, 2);
    const uint16_t got = fp32_to_fp16(x);
    if (std::isnan(x)) {
      ASSERT_EQ(got & 0x7c00, 0x7c00);
      ASSERT_NE(got & 0x3ff, 0);
    } else {
      ASSERT_EQ(got, want) << std::hexfloat << x;
    }
  }
}
#endif

// kv_encode_row / kv_decode_row for f16 (which take SIMD paths where the CPU has them) write and
// read exactly fp32_to_fp16's / fp16_to_fp32's bits, NaNs with payloads and odd row tails
// included.
TEST(Fp16Rows, EncodeAndDecodeMatchTheScalarConversions) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<uint32_t> bits;
  std::vector<float> xs = {0.0f, -0.0f, 65504.0f, 65520.0f, -1e6f, 0x1p-24f, 0x1.8p-25f,
                           0x1p-26f, 0x1.ffcp-15f, INFINITY, -INFINITY};
  for (uint32_t nan : {0x7F800001u, 0x7FC00000u, 0xFFA00000u, 0x7F800FFFu, 0x7FBFE000u}) {
    float f;
    std::memcpy(&f, &nan, 4);
    xs.push_back(f);
  }
  for (int i = 0; i < 100003; ++i) {
    const uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, 4);
    xs.push_back(f);
  }
  const auto n = int64_t(xs.size());  // not a multiple of 8: the scalar tail runs too
  std::vector<uint16_t> enc(xs.size());
  kv_encode_row(KvType::f16, xs.data(), enc.data(), n);
  std::vector<float> dec(xs.size());
  kv_decode_row(KvType::f16, enc.data(), dec.data(), n);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(enc[i], fp32_to_fp16(xs[i])) << i << " " << std::hexfloat << xs[i];
    const float want = fp16_to_fp32(enc[i]);
    ASSERT_EQ(std::memcmp(&dec[i], &want, 4), 0) << i;
  }
}

TEST(Q8_0, EncodesAHandMadeBlock) {
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[size_t(i)] = float(i - 16) * 0.5f;  // max |x| = 8
  std::vector<unsigned char> blk(34);
  kv_encode_row(KvType::q8_0, x.data(), blk.data(), 32);
  uint16_t d;
  std::memcpy(&d, blk.data(), 2);
  EXPECT_FLOAT_EQ(fp16_to_fp32(d), fp16_to_fp32(fp32_to_fp16(8.0f / 127.0f)));
  EXPECT_EQ(int8_t(blk[2]), -127);                          // -8 -> -127
  EXPECT_EQ(int8_t(blk[2 + 16]), 0);                        // 0
  EXPECT_EQ(int8_t(blk[2 + 17]), int8_t(std::lround(0.5f * 127.0f / 8.0f)));  // 7.9375 -> 8
  std::vector<float> back(32);
  kv_decode_row(KvType::q8_0, blk.data(), back.data(), 32);
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(back[size_t(i)], x[size_t(i)], 8.0f / 127.0f / 2 + 1e-3f);
}

TEST(Q8_0, ZeroBlockRoundTrips) {
  std::vector<float> x(64, 0.0f), back(64, 1.0f);
  std::vector<unsigned char> row(size_t(kv_row_bytes(KvType::q8_0, 64)));
  EXPECT_EQ(row.size(), 68u);
  kv_encode_row(KvType::q8_0, x.data(), row.data(), 64);
  kv_decode_row(KvType::q8_0, row.data(), back.data(), 64);
  EXPECT_EQ(back, x);
}

TEST(KvRowBytes, PerType) {
  EXPECT_EQ(kv_row_bytes(KvType::f32, 128), 512);
  EXPECT_EQ(kv_row_bytes(KvType::f16, 128), 256);
  EXPECT_EQ(kv_row_bytes(KvType::q8_0, 128), 136);
}

// kv_decode_row's f16 rows (F16C where the CPU has it) against half.h's bit-level conversion,
// for every half including NaNs, infinities and subnormals, with a row length that leaves a tail.
TEST(KvDecodeRow, F16EqualsHalfConversionBitForBit) {
  const int64_t n = 65536 + 5;
  std::vector<uint16_t> halves(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) halves[size_t(i)] = uint16_t(i * 40503u);  // odd: all patterns
  std::vector<float> got(static_cast<size_t>(n));
  kv_decode_row(KvType::f16, halves.data(), got.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const float want = fp16_to_fp32(halves[size_t(i)]);
    ASSERT_EQ(std::memcmp(&want, &got[size_t(i)], 4), 0) << "half 0x" << std::hex << halves[size_t(i)];
  }
}

}  // namespace
}  // namespace kern
