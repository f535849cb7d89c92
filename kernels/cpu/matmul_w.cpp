// kern::cpu weight ops: dequantize and matmul_w (the model's weight GEMV/GEMM).
// Algorithm:
//   M < q8_max_rows() (decode, small batches; default 8), quantized weights on an AVX2 CPU: the
//     activation rows are rounded once to 8-bit blocks (q8_0 for q8_0/q4_0, q8_K for the
//     K-quants) and each (weight row, activation row) pair is an integer dot
//     (kernels/cpu/q8_dot.h), as llama.cpp does: four activation rows per call for M >= 4,
//     four weight rows per call below. Float weights, or no AVX2: fused
//     dequantize-and-dot with the best RowDot for this CPU (AVX2/FMA/F16C, else portable;
//     weight_dot.h), one weight row per call. A weight row is read once per activation row; for
//     M <= 7 it stays in L1/L2. The kernel choice
//     is detail::RowKernel (cpu/gemv_rows.h), shared with the fused passes of gemv_fused.h.
//   M >= q8_max_rows() (prefill) with an integer GEMM for the weight type (select_q8_gemm:
//     q8_0, q4_0 and the K-quants on AVX-512 VNNI): the activation rows are rounded once to
//     8 bits and the register-tiled integer GEMM (kernels/cpu/q8_gemm.h) computes each
//     thread's share of the output columns; no OpenBLAS on this path.
//   Otherwise, M >= kGemmMinRows: W is dequantized tile by tile (kTileFloats per tile, rows split
//     over the pool) into an f32 buffer, and each tile is one OpenBLAS SGEMM; f32 weights go to
//     SGEMM directly. Dequantizing costs N*K per call against the GEMM's M*N*K multiply-adds.
// Parallelization: output rows N (GEMV) or tile rows (dequantize) over Exec::pool; SGEMMs are
//   split over the pool too, OpenBLAS single-threaded (cpu/sgemm_pool.h says why). The integer
//   GEMM splits N into one equal chunk per pool thread (each chunk packs the activations once, an
//   M*K cost against its M*K*N/threads multiply-adds).
// Numerics: float accumulation; the float paths differ from kern::ref (double) by float
//   summation error, relative to sum_k |a_k * w_k|. The integer paths (decode, and prefill where
//   select_q8_gemm has a kernel) compute the exact product with the activations rounded to
//   8 bits (error bound in kernels/q8_act.h), like llama.cpp's decode and prefill;
//   kern::cpu::set_q8_activations(false) turns both off (`quire-cli logits` and --float-
//   activations keep float activations). detail::set_q8_max_rows moves the decode/prefill
//   boundary for the benchmark.
#include <algorithm>
#include <atomic>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/gemv_rows.h"
#include "kernels/cpu/parallel_rows.h"
#include "kernels/cpu/q8_gemm.h"
#include "kernels/cpu/sgemm_pool.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/kernels.h"
#include "kernels/quant_blocks.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {

constexpr int64_t kGemmMinRows = 8;
constexpr int64_t kTileFloats = int64_t{1} << 20;  // 4 MiB of dequantized weights per tile

std::atomic<bool> g_simd_enabled{true};
std::atomic<int64_t> g_q8_max_rows{kGemmMinRows};

}  // namespace

namespace detail {

void set_simd_enabled(bool enabled) { g_simd_enabled.store(enabled, std::memory_order_relaxed); }
bool simd_enabled() { return g_simd_enabled.load(std::memory_order_relaxed); }
void set_q8_max_rows(int64_t rows) { g_q8_max_rows.store(rows, std::memory_order_relaxed); }
int64_t q8_max_rows() { return g_q8_max_rows.load(std::memory_order_relaxed); }

RowDot select_row_dot(DType type) {
  if (g_simd_enabled.load(std::memory_order_relaxed) && cpu_has_avx2()) {
    if (RowDot dot = row_dot_avx2(type)) return dot;
  }
  return row_dot_portable(type);
}

}  // namespace detail

void dequantize(const Exec& ex, float* y, const void* x, DType type, int64_t n) {
  const DTypeInfo& info = dtype_info(type);
  const int64_t blocks = n / info.block_elems;
  const auto* bytes = static_cast<const uint8_t*>(x);
  detail::parallel_rows(ex, blocks, info.block_elems, [&](int64_t begin, int64_t end) {
    quant::decode_row(type, bytes + begin * info.block_bytes, y + begin * info.block_elems,
                      (end - begin) * info.block_elems);
  });
}

void matmul_w(const Exec& ex, float* C, const float* A, const void* W, DType wtype, int64_t M,
              int64_t N, int64_t K) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // an empty sum; also keeps the tile size below well defined
    std::fill(C, C + M * N, 0.0f);
    return;
  }
  const auto* w = static_cast<const uint8_t*>(W);
  const int64_t stride = row_bytes(wtype, K);
  if (const detail::Q8Gemm gemm = M >= detail::q8_max_rows() ? detail::select_q8_gemm(wtype) : nullptr) {
    const ActQ8 atype = *act_q8_for(wtype);
    const int64_t astride = act_row_bytes(atype, K);
    std::vector<uint8_t> aq(static_cast<size_t>(M * astride));
    quantize_act(ex, aq.data(), A, atype, M, K);
    // One chunk of weight rows per thread (a multiple of 16, the kernels' tile widths divide
    // it), so both threads get equal work and each packs the activations only once.
    const int64_t threads = ex.pool == nullptr ? 1 : ex.pool->size();
    const int64_t chunk = ((N + threads - 1) / threads + 15) / 16 * 16;
    const int64_t chunks = (N + chunk - 1) / chunk;
    const auto body = [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const int64_t n0 = c * chunk;
        gemm(w + n0 * stride, stride, aq.data(), astride, M, std::min(chunk, N - n0), K, C + n0, N);
      }
    };
    if (ex.pool == nullptr || chunks == 1) {
      body(0, chunks);
    } else {
      ex.pool->parallel_for(chunks, 1, body);
    }
    return;
  }
  if (M < kGemmMinRows || (M < detail::q8_max_rows() && detail::select_q8_dot(wtype) != nullptr)) {
    detail::Activations acts(ex, A, M, K);
    const detail::RowKernel kernel(WeightMat{W, wtype, N}, acts, M, K);
    detail::parallel_rows(ex, N, M * K, [&](int64_t begin, int64_t end) {
      kernel.rows(begin, end - begin, C + begin, N);
    });
    return;
  }
  if (wtype == DType::f32) {
    detail::sgemm_nt(ex, C, A, static_cast<const float*>(W), M, N, K, N);
    return;
  }
  const int64_t tile_rows = std::clamp<int64_t>(kTileFloats / K, 1, N);
  std::vector<float> tile(static_cast<size_t>(tile_rows * K));
  for (int64_t n0 = 0; n0 < N; n0 += tile_rows) {
    const int64_t rows = std::min(tile_rows, N - n0);
    detail::parallel_rows(ex, rows, K, [&](int64_t begin, int64_t end) {
      quant::decode_row(wtype, w + (n0 + begin) * stride, tile.data() + begin * K,
                        (end - begin) * K);
    });
    detail::sgemm_nt(ex, C + n0, A, tile.data(), M, rows, K, N);
  }
}

}  // namespace kern::cpu
