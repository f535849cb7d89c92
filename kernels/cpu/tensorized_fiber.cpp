// Fiber numerics of the tensorized hop (tensorized_fiber.h).
// Algorithm: scores are a small GEMM (query rows x keys, head_dim streamed) and the value sums a
// small GEMM (rows x head_dim, keys streamed), both register-blocked: a block of kRowBlock rows x
// 32 columns stays in vector registers, so each loaded key or value vector serves kRowBlock rows
// and each loaded query or weight serves 32 columns. Rows and columns left over run narrower
// blocks with the same per-element operation order. exp is a Cephes-style polynomial in 16 lanes.
// Parallelization: none here; callers split fibers and heads over threads.
// Numerics: float; no element's result depends on blocking, vector width or ISA (mul and add are
// separate IEEE operations, this file is built with -ffp-contract=off, the tail of exp runs the
// same vector code on a zero-padded copy). x86-64 gets AVX-512 and AVX2 clones picked at load
// time (the same floats as the default clone, only faster).
#include "kernels/cpu/tensorized_fiber.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#define QUIRE_FIBER_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QUIRE_FIBER_CLONES
#endif

namespace kern::cpu {
namespace {

constexpr int64_t kRowBlock = 4;  // rows held in registers by the blocked kernels

// Sixteen floats / int32 as one value (GCC/Clang vector extensions): one zmm in the AVX-512
// clone, two ymm in the AVX2 clone, four xmm in the default one. at16() views 16 floats in place
// (unaligned; vector types alias their element type); no vector crosses a call boundary, so the
// clones share one ABI.
typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x16u __attribute__((vector_size(64), aligned(4)));
typedef int32_t i32x16 __attribute__((vector_size(64)));

#define QUIRE_INLINE inline __attribute__((always_inline))

QUIRE_INLINE const f32x16u& at16(const float* p) { return *reinterpret_cast<const f32x16u*>(p); }
QUIRE_INLINE f32x16u& at16(float* p) { return *reinterpret_cast<f32x16u*>(p); }

// out[0, 16) = exp(in[0, 16) - max). Range reduction x = n ln2 + r, |r| <= ln2/2 (ln2 split in
// two constants so n ln2 is exact), e^r by the Cephes expf polynomial, 2^n built in the exponent
// bits. x < -87 (e^x near FLT_MIN) and NaN give 0; x is never above 0 for the callers.
QUIRE_INLINE void exp16(float* out, const float* in, float max) {
  const f32x16 x = at16(in) - max;
  const f32x16 lo = f32x16{} - 87.0f;
  const f32x16 xc = x > lo ? x : lo;  // NaN -> lo
  const f32x16 magic = f32x16{} + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const f32x16 t = xc * 1.44269504088896341f + magic;
  const f32x16 n = t - magic;
  f32x16 r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  f32x16 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const f32x16 y = p * (r * r) + r + 1.0f;
  const i32x16 bits = (__builtin_convertvector(n, i32x16) + 127) << 23;  // n in [-126, 0]
  f32x16 pow2;
  std::memcpy(&pow2, &bits, sizeof pow2);
  const f32x16 zero = {};
  at16(out) = x > lo ? y * pow2 : zero;
}

}  // namespace

QUIRE_FIBER_CLONES
void fiber_scores(float* s, int64_t ld_s, const float* qs, int64_t rows, const float* kt,
                  int64_t ld_k, int64_t n_keys, int64_t head_dim) {
  const int64_t n_cols = fiber_keys_ld(n_keys);
  const int64_t D = head_dim;
  int64_t r0 = 0;
  for (; r0 + kRowBlock <= rows; r0 += kRowBlock) {
    const float* q0 = qs + r0 * D;
    const float* q1 = q0 + D;
    const float* q2 = q1 + D;
    const float* q3 = q2 + D;
    float* s0 = s + r0 * ld_s;
    int64_t b0 = 0;
    for (; b0 + 32 <= n_cols; b0 += 32) {
      f32x16 a00 = {}, a01 = {}, a10 = {}, a11 = {}, a20 = {}, a21 = {}, a30 = {}, a31 = {};
      for (int64_t e = 0; e < D; ++e) {
        const f32x16 k0 = at16(kt + e * ld_k + b0), k1 = at16(kt + e * ld_k + b0 + 16);
        a00 += q0[e] * k0; a01 += q0[e] * k1;
        a10 += q1[e] * k0; a11 += q1[e] * k1;
        a20 += q2[e] * k0; a21 += q2[e] * k1;
        a30 += q3[e] * k0; a31 += q3[e] * k1;
      }
      at16(s0 + b0) = a00; at16(s0 + b0 + 16) = a01;
      at16(s0 + ld_s + b0) = a10; at16(s0 + ld_s + b0 + 16) = a11;
      at16(s0 + 2 * ld_s + b0) = a20; at16(s0 + 2 * ld_s + b0 + 16) = a21;
      at16(s0 + 3 * ld_s + b0) = a30; at16(s0 + 3 * ld_s + b0 + 16) = a31;
    }
    for (; b0 < n_cols; b0 += 16) {
      f32x16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
      for (int64_t e = 0; e < D; ++e) {
        const f32x16 k0 = at16(kt + e * ld_k + b0);
        a0 += q0[e] * k0; a1 += q1[e] * k0; a2 += q2[e] * k0; a3 += q3[e] * k0;
      }
      at16(s0 + b0) = a0; at16(s0 + ld_s + b0) = a1;
      at16(s0 + 2 * ld_s + b0) = a2; at16(s0 + 3 * ld_s + b0) = a3;
    }
  }
  for (; r0 < rows; ++r0) {
    const float* q0 = qs + r0 * D;
    for (int64_t b0 = 0; b0 < n_cols; b0 += 16) {
      f32x16 a0 = {};
      for (int64_t e = 0; e < D; ++e) a0 += q0[e] * at16(kt + e * ld_k + b0);
      at16(s + r0 * ld_s + b0) = a0;
    }
  }
}

QUIRE_FIBER_CLONES
float fiber_max(const float* s, int64_t n) {
  f32x16 m = f32x16{} - INFINITY;
  int64_t b = 0;
  for (; b + 16 <= n; b += 16) {
    const f32x16 x = at16(s + b);
    m = x > m ? x : m;
  }
  float out = -INFINITY;
  for (int i = 0; i < 16; ++i) out = std::max(out, m[i]);
  for (; b < n; ++b) out = std::max(out, s[b]);
  return out;
}

QUIRE_FIBER_CLONES
float fiber_exp_sum(float* p, const float* s, int64_t n, float max) {
  // Sixteen running sums (lane i takes entries i, i + 16, ...; the zero-padded tail adds 0) and
  // then the lanes in order: fixed for a given n, and no long chain of dependent adds.
  f32x16 sum = {};
  int64_t b = 0;
  for (; b + 16 <= n; b += 16) {
    exp16(p + b, s + b, max);
    sum += at16(p + b);
  }
  if (b < n) {
    float in[16] = {}, out[16];
    std::copy(s + b, s + n, in);
    exp16(out, in, max);
    for (int64_t i = n - b; i < 16; ++i) out[i] = 0.0f;
    std::copy(out, out + (n - b), p + b);
    sum += at16(out);
  }
  float total = 0.0f;
  for (int i = 0; i < 16; ++i) total += sum[i];
  return total;
}

QUIRE_FIBER_CLONES
void fiber_accumulate(float* acc, const float* p, int64_t ld_p, int64_t rows,
                      const float* const* x, int64_t b0, int64_t b1, int64_t head_dim) {
  const int64_t D = head_dim;
  int64_t r0 = 0;
  for (; r0 + kRowBlock <= rows; r0 += kRowBlock) {
    float* o0 = acc + r0 * D;
    const float* p0 = p + r0 * ld_p;
    const float* p1 = p0 + ld_p;
    const float* p2 = p1 + ld_p;
    const float* p3 = p2 + ld_p;
    int64_t e0 = 0;
    for (; e0 + 32 <= D; e0 += 32) {
      float* o = o0 + e0;
      f32x16 a00 = at16(o), a01 = at16(o + 16), a10 = at16(o + D), a11 = at16(o + D + 16);
      f32x16 a20 = at16(o + 2 * D), a21 = at16(o + 2 * D + 16);
      f32x16 a30 = at16(o + 3 * D), a31 = at16(o + 3 * D + 16);
      for (int64_t b = b0; b < b1; ++b) {
        const f32x16 x0 = at16(x[b] + e0), x1 = at16(x[b] + e0 + 16);
        a00 += p0[b] * x0; a01 += p0[b] * x1;
        a10 += p1[b] * x0; a11 += p1[b] * x1;
        a20 += p2[b] * x0; a21 += p2[b] * x1;
        a30 += p3[b] * x0; a31 += p3[b] * x1;
      }
      at16(o) = a00; at16(o + 16) = a01; at16(o + D) = a10; at16(o + D + 16) = a11;
      at16(o + 2 * D) = a20; at16(o + 2 * D + 16) = a21;
      at16(o + 3 * D) = a30; at16(o + 3 * D + 16) = a31;
    }
    for (; e0 + 16 <= D; e0 += 16) {
      float* o = o0 + e0;
      f32x16 a0 = at16(o), a1 = at16(o + D), a2 = at16(o + 2 * D), a3 = at16(o + 3 * D);
      for (int64_t b = b0; b < b1; ++b) {
        const f32x16 x0 = at16(x[b] + e0);
        a0 += p0[b] * x0; a1 += p1[b] * x0; a2 += p2[b] * x0; a3 += p3[b] * x0;
      }
      at16(o) = a0; at16(o + D) = a1; at16(o + 2 * D) = a2; at16(o + 3 * D) = a3;
    }
    for (int64_t r = 0; r < kRowBlock; ++r) {  // head_dim not a multiple of 16
      for (int64_t b = b0; b < b1; ++b) {
        for (int64_t e = e0; e < D; ++e) o0[r * D + e] += p0[r * ld_p + b] * x[b][e];
      }
    }
  }
  for (; r0 < rows; ++r0) {
    float* o = acc + r0 * D;
    const float* pr = p + r0 * ld_p;
    int64_t e0 = 0;
    for (; e0 + 16 <= D; e0 += 16) {
      f32x16 a0 = at16(o + e0);
      for (int64_t b = b0; b < b1; ++b) a0 += pr[b] * at16(x[b] + e0);
      at16(o + e0) = a0;
    }
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t e = e0; e < D; ++e) o[e] += pr[b] * x[b][e];
    }
  }
}

void fiber_normalize(float* out, const float* acc, float sum, int64_t head_dim) {
  const float inv = 1.0f / sum;
  for (int64_t e = 0; e < head_dim; ++e) out[e] = acc[e] * inv;
}

}  // namespace kern::cpu
