// K/V row codecs. fp16 conversion is kernels/half.h's, done on the bits so that it is exact and
// identical on every CPU; rounding follows IEEE round-to-nearest-even. Speed: on x86-64 CPUs
// with F16C, f16 rows are encoded 8 at a time by vcvtps2ph, which writes the same bits as
// half.h (IEEE RNE, subnormals kept, overflow to inf, NaN quieted with its top payload bits;
// tests/kernels/test_kv_codec.cpp checks), and decoded 8 at a time by vcvtph2ps (fp16 -> fp32
// is exact; F16C quiets NaNs as half.h does, so the floats are the same bit for bit). A prefill
// writes every layer's K and V rows through here; attention decodes every cached key and value
// at every decode step. q8_0 decoding has an AVX2 clone (the loop vectorizes).
#include "kernels/kv_codec.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "kernels/cpu/avx2_clones.h"
#include "kernels/half.h"

namespace kern {
namespace {

#if defined(__x86_64__) && defined(__GNUC__)
// The conversion's rounding is the immediate's (nearest even), not MXCSR's; inputs are not
// flushed unless a caller set MXCSR.DAZ, which Quire never does.
__attribute__((target("avx,f16c"))) void encode_f16_f16c(const float* src, unsigned char* out,
                                                          int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * i), h);
  }
  for (; i < n; ++i) {
    const uint16_t h = fp32_to_fp16(src[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
}
#endif

void decode_f16_portable(const unsigned char* in, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, in + 2 * i, 2);
    dst[i] = fp16_to_fp32(h);
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// Function attributes rather than file flags, so no F16C code reaches CPUs without it.
__attribute__((target("avx,f16c"))) void decode_f16_f16c(const unsigned char* in, float* dst,
                                                          int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  decode_f16_portable(in + 2 * i, dst + i, n - i);
}

void decode_f16(const unsigned char* in, float* dst, int64_t n) {
  static const bool has_f16c = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
  if (has_f16c) {
    decode_f16_f16c(in, dst, n);
  } else {
    decode_f16_portable(in, dst, n);
  }
}
#else
void decode_f16(const unsigned char* in, float* dst, int64_t n) { decode_f16_portable(in, dst, n); }
#endif

}  // namespace

int64_t kv_row_bytes(KvType type, int64_t n) {
  switch (type) {
    case KvType::f32: return n * 4;
    case KvType::f16: return n * 2;
    case KvType::q8_0: return n / kQ8Block * kQ8BlockBytes;
  }
  return 0;
}

void kv_encode_row(KvType type, const float* src, void* dst, int64_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  switch (type) {
    case KvType::f32:
      std::memcpy(out, src, size_t(n) * 4);
      return;
    case KvType::f16:
#if defined(__x86_64__) && defined(__GNUC__)
      if (__builtin_cpu_supports("f16c")) {
        encode_f16_f16c(src, out, n);
        return;
      }
#endif
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_fp16(src[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case KvType::q8_0:
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const float* x = src + b * kQ8Block;
        unsigned char* blk = out + b * kQ8BlockBytes;
        float amax = 0.0f;
        for (int64_t i = 0; i < kQ8Block; ++i) amax = std::fmax(amax, std::fabs(x[i]));
        // As ggml: quantize with the unrounded scale, store the fp16-rounded one.
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const uint16_t dh = fp32_to_fp16(d);
        std::memcpy(blk, &dh, 2);
        for (int64_t i = 0; i < kQ8Block; ++i) {
          const auto q = static_cast<int8_t>(std::lround(x[i] * id));
          std::memcpy(blk + 2 + i, &q, 1);
        }
      }
      return;
  }
}

QUIRE_AVX2_CLONES
void kv_decode_row(KvType type, const void* src, float* dst, int64_t n) {
  const auto* in = static_cast<const unsigned char*>(src);
  switch (type) {
    case KvType::f32:
      std::memcpy(dst, in, size_t(n) * 4);
      return;
    case KvType::f16:
      decode_f16(in, dst, n);
      return;
    case KvType::q8_0:
      for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const unsigned char* blk = in + b * kQ8BlockBytes;
        uint16_t dh;
        std::memcpy(&dh, blk, 2);
        const float d = fp16_to_fp32(dh);
        for (int64_t i = 0; i < kQ8Block; ++i) {
          dst[b * kQ8Block + i] = d * float(static_cast<int8_t>(blk[2 + i]));
        }
      }
      return;
  }
}

const char* kv_type_name(KvType type) {
  switch (type) {
    case KvType::f32: return "f32";
    case KvType::f16: return "f16";
    case KvType::q8_0: return "q8_0";
  }
  return "?";
}

}  // namespace kern
