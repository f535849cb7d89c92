// QUIRE_AVX2_CLONES: put on a hot kernel function so that GCC/Clang on x86-64 compile it twice,
// for AVX2 and for the baseline, and pick the clone at load time (target_clones, ifunc). The
// inner loops are written to auto-vectorize, so the AVX2 clone gets 8-wide FMAs without
// intrinsics. Elsewhere it expands to nothing and the one baseline build is used.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#define QUIRE_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QUIRE_AVX2_CLONES
#endif
