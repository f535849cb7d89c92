// kern::ref weight ops: dequantize and matmul_w, the oracles of the quantized kernels.
// Algorithm: decode the GGML blocks (kernels/quant_blocks.h) into a float row, then the textbook
// dot product accumulated in double. Parallelization: none.
// Numerics: dequantize reproduces ggml's values exactly; matmul_w is more accurate than any
// optimized twin (double accumulation of the exact dequantized weights).
#include <vector>

#include "kernels/kernels.h"
#include "kernels/quant_blocks.h"

namespace kern::ref {

void dequantize(const Exec&, float* y, const void* x, DType type, int64_t n) {
  quant::decode_row(type, x, y, n);
}

void matmul_w(const Exec&, float* C, const float* A, const void* W, DType wtype, int64_t M,
              int64_t N, int64_t K) {
  const int64_t stride = row_bytes(wtype, K);
  std::vector<float> w(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    quant::decode_row(wtype, static_cast<const uint8_t*>(W) + n * stride, w.data(), K);
    for (int64_t m = 0; m < M; ++m) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) acc += double(A[m * K + k]) * double(w[size_t(k)]);
      C[m * N + n] = float(acc);
    }
  }
}

}  // namespace kern::ref
