// kern::cpu::detail::sgemm_nt: the one door to OpenBLAS's SGEMM for the cpu kernels, threaded
// by the caller's kern::ThreadPool instead of OpenBLAS's own threads.
// Why: with OpenBLAS threading its own GEMMs, a prefill runs two sets of threads. Between
// GEMMs OpenBLAS's idle workers spin on sched_yield for a while, and on a 2-core machine they
// take CPU from the pool's threads running attention, norms and RoPE; small GEMMs (stories-15M:
// 512 x 288 x 288) also pay its hand-offs. So the first call makes OpenBLAS single-threaded
// (openblas_set_num_threads(1), process-wide) and every SGEMM of quire_kernels goes through here,
// split into one part per pool thread.
// Contract: C[m, n] = sum_k A[m, k] * B[n, k] (row-major, B transposed: weights are [N, K]),
// M x N written with row stride ldc, C fully overwritten. Splits M when B is the smaller operand
// (each part re-packs B) and N otherwise. Each element's sum is one SGEMM's, so results do not
// depend on the pool size beyond OpenBLAS's own kernel choice for edge tiles.
// Threads: callable from any thread; concurrent calls are safe (single-threaded OpenBLAS is).
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace kern::cpu::detail {

void sgemm_nt(const Exec& ex, float* C, const float* A, const float* B, int64_t M, int64_t N,
              int64_t K, int64_t ldc);

}  // namespace kern::cpu::detail
