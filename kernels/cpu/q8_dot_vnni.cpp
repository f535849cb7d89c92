// AVX-512 VNNI build of the integer weight x q8-activation dots (algorithm and numerics:
// q8_dot_kernels.inl), on 256-bit vectors (AVX512VL): dot_u8s8 is one vpdpbusd instead of
// vpmaddubsw + vpmaddwd + vpaddd. Same integer results as the AVX2 build (no intermediate
// saturation in either for our operand ranges).
// Build: function attributes, run-time dispatch (cpu_has_avx512_vnni()), as q8_dot_avx2.cpp.
#include "kernels/cpu/q8_dot.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define QUIRE_Q8_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

namespace kern::cpu::detail {
namespace {
QUIRE_Q8_TARGET inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
  return _mm256_dpbusd_epi32(acc, u, s);
}
}  // namespace
}  // namespace kern::cpu::detail

#include "kernels/cpu/q8_dot_kernels.inl"

namespace kern::cpu::detail {

Q8Dot q8_dot_vnni(DType type) { return q8_dot_table(type); }
Q8Dot4 q8_dot4_vnni(DType type) { return q8_dot4_table(type); }
Q8DotRows4 q8_dot_rows4_vnni(DType type) { return q8_dot_rows4_table(type); }

bool cpu_has_avx512_vnni() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

}  // namespace kern::cpu::detail

#else  // not x86: no VNNI build

namespace kern::cpu::detail {
Q8Dot q8_dot_vnni(DType) { return nullptr; }
Q8Dot4 q8_dot4_vnni(DType) { return nullptr; }
Q8DotRows4 q8_dot_rows4_vnni(DType) { return nullptr; }
bool cpu_has_avx512_vnni() { return false; }
}  // namespace kern::cpu::detail

#endif
