// kern::cuda basic ops on device pointers, enqueued on Exec::stream (asynchronous: the caller
// synchronizes the stream before reading results).
// Algorithm: matmul is one cuBLAS SGEMM; rms_norm and softmax use one thread block per row with
// a block-wide tree reduction in shared memory.
// Numerics: float accumulation; softmax subtracts the row max.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cmath>

#include "kernels/kernels.h"

namespace kern::cuda {
namespace {

constexpr int kBlock = 256;

cudaStream_t stream_of(const Exec& ex) { return static_cast<cudaStream_t>(ex.stream); }

// Block-wide reduction; every thread gets the result. `op` is max or sum.
template <class Op>
__device__ float block_reduce(float v, Op op) {
  __shared__ float scratch[kBlock];
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (int stride = kBlock / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) scratch[threadIdx.x] = op(scratch[threadIdx.x], scratch[threadIdx.x + stride]);
    __syncthreads();
  }
  const float result = scratch[0];
  __syncthreads();
  return result;
}

struct Sum {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// grid: rows; block: kBlock threads striding over the n columns of one row.
__global__ void rms_norm_kernel(float* y, const float* x, const float* w, int64_t n, float eps) {
  const float* xr = x + blockIdx.x * n;
  float* yr = y + blockIdx.x * n;
  float sum_sq = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += kBlock) sum_sq += xr[i] * xr[i];
  sum_sq = block_reduce(sum_sq, Sum{});
  const float scale = rsqrtf(sum_sq / float(n) + eps);
  for (int64_t i = threadIdx.x; i < n; i += kBlock) yr[i] = xr[i] * scale * w[i];
}

__global__ void softmax_kernel(float* x, int64_t n) {
  float* xr = x + blockIdx.x * n;
  float max = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += kBlock) max = fmaxf(max, xr[i]);
  max = block_reduce(max, Max{});
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += kBlock) {
    xr[i] = expf(xr[i] - max);
    sum += xr[i];
  }
  sum = block_reduce(sum, Sum{});
  const float inv = 1.0f / sum;
  for (int64_t i = threadIdx.x; i < n; i += kBlock) xr[i] *= inv;
}

}  // namespace

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return n;
}

void matmul(const Exec& ex, float* C, const float* A, const float* B, int64_t M, int64_t N,
            int64_t K) {
  // cuBLAS is column-major, so it reads our row-major buffers as their transposes:
  // A as A^T [K,M], B as B^T [K,N], C as C^T [N,M]. C^T = B A^T = op_T(B^T view) * (A^T view).
  // A handle per call keeps this op free of global state; the engine's CUDA backend will own
  // a long-lived handle and call cuBLAS directly on its hot path.
  cublasHandle_t handle = nullptr;
  cublasCreate(&handle);
  cublasSetStream(handle, stream_of(ex));
  const float alpha = 1.0f, beta = 0.0f;
  cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(N), static_cast<int>(M),
              static_cast<int>(K), &alpha, B, static_cast<int>(K), A, static_cast<int>(K), &beta,
              C, static_cast<int>(N));
  cublasDestroy(handle);
}

void rms_norm(const Exec& ex, float* y, const float* x, const float* w, int64_t rows, int64_t n,
              float eps) {
  if (rows <= 0) return;
  rms_norm_kernel<<<static_cast<unsigned>(rows), kBlock, 0, stream_of(ex)>>>(y, x, w, n, eps);
}

void softmax(const Exec& ex, float* x, int64_t rows, int64_t n) {
  if (rows <= 0) return;
  softmax_kernel<<<static_cast<unsigned>(rows), kBlock, 0, stream_of(ex)>>>(x, n);
}

}  // namespace kern::cuda
