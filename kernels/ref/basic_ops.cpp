// kern::ref: the scalar oracle. Algorithm: the textbook definition of each op, one element at a
// time, accumulating in double so that the reference is more accurate than any optimized twin.
// Parallelization: none. Numerics: softmax subtracts the row max before exp.
#include <cmath>

#include "kernels/kernels.h"

namespace kern::ref {

void matmul(const Exec&, float* C, const float* A, const float* B, int64_t M, int64_t N,
            int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) acc += double(A[m * K + k]) * double(B[n * K + k]);
      C[m * N + n] = float(acc);
    }
  }
}

void rms_norm(const Exec&, float* y, const float* x, const float* w, int64_t rows, int64_t n,
              float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    double sum_sq = 0.0;
    for (int64_t i = 0; i < n; ++i) sum_sq += double(xr[i]) * double(xr[i]);
    const double scale = 1.0 / std::sqrt(sum_sq / double(n) + double(eps));
    for (int64_t i = 0; i < n; ++i) y[r * n + i] = float(double(xr[i]) * scale * double(w[i]));
  }
}

void softmax(const Exec&, float* x, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    float* xr = x + r * n;
    double max = xr[0];
    for (int64_t i = 1; i < n; ++i) max = std::fmax(max, double(xr[i]));
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(double(xr[i]) - max);
    for (int64_t i = 0; i < n; ++i) xr[i] = float(std::exp(double(xr[i]) - max) / sum);
  }
}

void swiglu(const Exec&, float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const double g = gate[i];
    gate[i] = float(g / (1.0 + std::exp(-g)) * double(up[i]));
  }
}

void add(const Exec&, float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace kern::ref
