// kern::cuda::tpa_decode_attention: TPA attention from the cached factors (kernels/tpa.h) on
// device pointers, enqueued on Exec::stream (asynchronous like every kern::cuda op).
//
// Algorithm (split-K, "flash decoding" style, two kernels):
//   1. tpa_partial_kernel, grid (n_q, n_split), kThreads threads: block (i, c) folds the keys of
//      split c that query i can see into a per-head online-softmax state (max, sum, unnormalized
//      output acc [n_head, head_dim]), kTile keys at a time, and writes that state to a
//      workspace. Per tile:
//        a. logits: each warp takes one key m at a time, computes P[r,s] = <B_Q[r], B_K[m,s]>
//           (one warp-wide dot product of head_dim per (r, s); P is shared by every head), then
//           each lane one head: L[h,m] = c sum_s A_K[m,h,s] sum_r A_Q[h,r] P[r,s];
//        b. softmax: one thread per head rescales its running state to the new maximum and
//           turns the tile's logits into weights e^{L - max};
//        c. output: one thread per (h, j): acc[h,j] = acc[h,j] corr[h]
//           + sum_m w[h,m] sum_u A_V[m,h,u] B_V[m,u,j].
//      K and V are never formed; the factors are read straight from the cache rows.
//   2. tpa_merge_kernel, grid (n_q, n_head): merges the n_split states of one (query, head) by
//      log-sum-exp and writes out[i,h,:] = acc / (sum * rank_v).
// Parallelization: n_split = min(ceil(kTargetBlocks / n_q), ceil(n_kv / kMinKeysPerSplit)), so
//   decode (n_q = 1) at long context spreads its keys over up to kTargetBlocks blocks (128k keys:
//   256 splits of 512), while prefill gets its parallelism from the queries and splits little.
//   Limits of this first version: phase (a) does rank_q x rank_k dependent warp reductions per
//   key and phase (c) rereads each B_V element once per head from L1/L2 instead of staging it in
//   shared memory; shared memory grows with n_head * head_dim (opted in above 48 KiB, up to the
//   device's per-block limit).
// Numerics: f32 throughout (f16 rows converted on load); the softmax subtracts the running
//   maximum, so no exponent overflows; splits with no visible keys carry sum 0 and are skipped
//   in the merge. Scratch: one stream-ordered workspace of n_q * n_split * n_head * (head_dim
//   + 2) floats (cudaMallocAsync), freed on the stream after the merge.
// Errors: shapes are checked once in the host wrapper (assert; an invalid call launches
//   nothing). Launch and allocation failures are left for cudaGetLastError / the stream, as
//   for every kern::cuda op.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cassert>
#include <cmath>

#include "kernels/tpa.h"

namespace kern::cuda {
namespace {

constexpr int kThreads = 256;             // threads per block of both kernels
constexpr int kWarps = kThreads / 32;     // warps of the partial kernel
constexpr int kTile = 32;                 // keys per tile in the partial kernel
constexpr int64_t kTargetBlocks = 256;    // about two blocks per SM on an H100 (132 SMs)
constexpr int64_t kMinKeysPerSplit = 128; // a split below this is mostly overhead
constexpr size_t kDefaultSmem = 48 * 1024;

// Shape and constants shared by both kernels (passed by value).
struct Params {
  int n_head, head_dim, rank_q, rank_k, rank_v;  // rank_q: rows of B_Q (KV-only: n_head)
  bool kv_only;                                  // A_Q is the identity, r == h
  int64_t row;                                   // elements per cache row
  int64_t query_elems;                           // elements per query's factors
  int64_t n_q, n_kv;
  int64_t keys_per_split;                        // split c covers [c * kps, (c + 1) * kps)
  float c;                                       // scale / (rank_q rank_k); KV-only: / rank_k
};

__device__ inline float to_float(float x) { return x; }
__device__ inline float to_float(__half x) { return __half2float(x); }

__device__ inline float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Floats of dynamic shared memory the partial kernel needs (layout in the kernel).
size_t partial_smem_floats(const Params& p) {
  return size_t(p.query_elems) + size_t(kWarps) * size_t(p.rank_q * p.rank_k) +
         size_t(p.n_head) * kTile + 3 * size_t(p.n_head) + size_t(p.n_head) * size_t(p.head_dim);
}

// grid (n_q, n_split), block kThreads. T: float or __half, the cache row element type.
// Writes the state of query i = blockIdx.x over its visible keys of split c = blockIdx.y:
// part_mx, part_sum [n_q, n_split, n_head], part_acc [n_q, n_split, n_head, head_dim].
template <class T>
__global__ void tpa_partial_kernel(Params p, const float* __restrict__ q, const T* __restrict__ k,
                                   const T* __restrict__ v, float* __restrict__ part_mx,
                                   float* __restrict__ part_sum, float* __restrict__ part_acc) {
  const int H = p.n_head, D = p.head_dim, RQ = p.rank_q, RK = p.rank_k, RV = p.rank_v;
  const int64_t i = blockIdx.x;
  const int64_t split = blockIdx.y, n_split = gridDim.y;
  const int64_t n_vis = p.n_kv - p.n_q + i + 1;  // causal: keys 0 .. n_vis - 1
  const int64_t m_begin = split * p.keys_per_split;
  const int64_t m_end = min(m_begin + p.keys_per_split, n_vis);  // <= m_begin: nothing visible
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

  extern __shared__ float smem[];
  float* qf = smem;                    // the query's factors [query_elems]
  float* pw = qf + p.query_elems;      // P of each warp's current key [kWarps][RQ * RK]
  float* lt = pw + kWarps * RQ * RK;   // logits, then weights, of the tile [H][kTile]
  float* mx = lt + H * kTile;          // running max per head [H]
  float* sum = mx + H;                 // running sum of e^{L - mx} per head [H]
  float* corr = sum + H;               // this tile's rescale factor per head [H]
  float* acc = corr + H;               // running unnormalized output [H, D]

  for (int64_t e = threadIdx.x; e < p.query_elems; e += kThreads) qf[e] = q[i * p.query_elems + e];
  for (int h = threadIdx.x; h < H; h += kThreads) {
    mx[h] = -INFINITY;
    sum[h] = 0.0f;
  }
  for (int e = threadIdx.x; e < H * D; e += kThreads) acc[e] = 0.0f;
  __syncthreads();
  const float* qa = qf;                                // A_Q [H, RQ] (full TPA only)
  const float* qb = p.kv_only ? qf : qf + H * RQ;      // B_Q [RQ, D] (KV-only: Q [H, D])

  for (int64_t t0 = m_begin; t0 < m_end; t0 += kTile) {
    const int n = int(min(int64_t(kTile), m_end - t0));

    // (a) logits L[h, t] of keys t0 .. t0 + n - 1; warp-uniform loops, so __syncwarp is safe.
    float* pp = pw + warp * RQ * RK;
    for (int t = warp; t < n; t += kWarps) {
      const T* ak = k + (t0 + t) * p.row;  // A_K [H, RK]
      const T* bk = ak + H * RK;           // B_K [RK, D]
      for (int rs = 0; rs < RQ * RK; ++rs) {
        const int r = rs / RK, s = rs % RK;
        float d = 0.0f;
        for (int j = lane; j < D; j += 32) d += qb[r * D + j] * to_float(bk[s * D + j]);
        d = warp_sum(d);
        if (lane == 0) pp[rs] = d;
      }
      __syncwarp();  // pp complete before the lanes read it
      for (int h = lane; h < H; h += 32) {
        float l = 0.0f;
        for (int s = 0; s < RK; ++s) {
          float g = 0.0f;  // sum_r A_Q[h,r] P[r,s]
          if (p.kv_only) {
            g = pp[h * RK + s];
          } else {
            for (int r = 0; r < RQ; ++r) g += qa[h * RQ + r] * pp[r * RK + s];
          }
          l += to_float(ak[h * RK + s]) * g;
        }
        lt[h * kTile + t] = l * p.c;
      }
      __syncwarp();  // the lanes are done with pp before lane 0 overwrites it
    }
    __syncthreads();

    // (b) online softmax: fold the tile's logits into each head's (max, sum); lt becomes weights.
    for (int h = threadIdx.x; h < H; h += kThreads) {
      float tile_max = -INFINITY;
      for (int t = 0; t < n; ++t) tile_max = fmaxf(tile_max, lt[h * kTile + t]);
      const float new_mx = fmaxf(mx[h], tile_max);
      const float cr = expf(mx[h] - new_mx);  // 0 on the first tile (mx = -inf)
      float s = sum[h] * cr;
      for (int t = 0; t < n; ++t) {
        const float w = expf(lt[h * kTile + t] - new_mx);
        lt[h * kTile + t] = w;
        s += w;
      }
      mx[h] = new_mx;
      sum[h] = s;
      corr[h] = cr;
    }
    __syncthreads();

    // (c) acc[h, j] = acc[h, j] corr[h] + sum_t w[h, t] sum_u A_V[t,h,u] B_V[t,u,j].
    for (int e = threadIdx.x; e < H * D; e += kThreads) {
      const int h = e / D, j = e % D;
      float a = acc[e] * corr[h];
      for (int t = 0; t < n; ++t) {
        const T* av = v + (t0 + t) * p.row;  // A_V [H, RV]
        const T* bv = av + H * RV;           // B_V [RV, D]
        float x = 0.0f;
        for (int u = 0; u < RV; ++u) x += to_float(av[h * RV + u]) * to_float(bv[u * D + j]);
        a += lt[h * kTile + t] * x;
      }
      acc[e] = a;
    }
    __syncthreads();  // lt, corr and acc settled before the next tile
  }

  const int64_t state = i * n_split + split;
  for (int h = threadIdx.x; h < H; h += kThreads) {
    part_mx[state * H + h] = mx[h];
    part_sum[state * H + h] = sum[h];
  }
  for (int e = threadIdx.x; e < H * D; e += kThreads) part_acc[state * H * D + e] = acc[e];
}

// grid (n_q, n_head), block kThreads: out[i, h, :] from the n_split states of (i, h).
__global__ void tpa_merge_kernel(Params p, int64_t n_split, const float* __restrict__ part_mx,
                                 const float* __restrict__ part_sum,
                                 const float* __restrict__ part_acc, float* __restrict__ out) {
  const int H = p.n_head, D = p.head_dim;
  const int64_t i = blockIdx.x;
  const int h = int(blockIdx.y);
  // Every thread computes the (cheap) global max and denominator itself: no shared state.
  float m = -INFINITY;
  for (int64_t c = 0; c < n_split; ++c) m = fmaxf(m, part_mx[(i * n_split + c) * H + h]);
  float denom = 0.0f;
  for (int64_t c = 0; c < n_split; ++c) {
    const int64_t st = (i * n_split + c) * H + h;
    if (part_sum[st] > 0.0f) denom += part_sum[st] * expf(part_mx[st] - m);
  }
  const float inv = 1.0f / (denom * float(p.rank_v));
  for (int j = threadIdx.x; j < D; j += kThreads) {
    float a = 0.0f;
    for (int64_t c = 0; c < n_split; ++c) {
      const int64_t st = (i * n_split + c) * H + h;
      if (part_sum[st] > 0.0f) a += part_acc[st * D + j] * expf(part_mx[st] - m);
    }
    out[(i * H + h) * D + j] = a * inv;
  }
}

template <class T>
void launch(cudaStream_t stream, float* out, const float* q, const void* k_rows,
            const void* v_rows, const Params& p) {
  const int64_t n_split = std::max<int64_t>(
      1, std::min((kTargetBlocks + p.n_q - 1) / p.n_q,
                  (p.n_kv + kMinKeysPerSplit - 1) / kMinKeysPerSplit));
  Params pp = p;
  pp.keys_per_split = (p.n_kv + n_split - 1) / n_split;

  const int64_t n_states = p.n_q * n_split * p.n_head;
  float* ws = nullptr;
  if (cudaMallocAsync(&ws, size_t(n_states * (p.head_dim + 2)) * sizeof(float), stream) !=
      cudaSuccess) {
    return;  // out of device memory: the error stays readable by cudaGetLastError
  }
  float* part_mx = ws;
  float* part_sum = ws + n_states;
  float* part_acc = ws + 2 * n_states;

  const size_t smem = partial_smem_floats(pp) * sizeof(float);
  if (smem > kDefaultSmem) {  // opt in; fails (launch error) beyond the device's limit
    cudaFuncSetAttribute(tpa_partial_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                         int(smem));
  }
  const dim3 partial_grid(unsigned(p.n_q), unsigned(n_split));
  tpa_partial_kernel<T><<<partial_grid, kThreads, smem, stream>>>(
      pp, q, static_cast<const T*>(k_rows), static_cast<const T*>(v_rows), part_mx, part_sum,
      part_acc);
  const dim3 merge_grid(unsigned(p.n_q), unsigned(p.n_head));
  tpa_merge_kernel<<<merge_grid, kThreads, 0, stream>>>(pp, n_split, part_mx, part_sum, part_acc,
                                                        out);
  cudaFreeAsync(ws, stream);
}

}  // namespace

void tpa_decode_attention(const Exec& ex, float* out, const float* q, const void* k_rows,
                          const void* v_rows, KvType kv_type, const TpaShape& s, int64_t n_q,
                          int64_t n_kv, float scale) {
  // The contract of kernels/tpa.h, checked once here (callers validate untrusted shapes).
  const bool valid = s.n_head > 0 && s.head_dim > 0 && s.rank_q >= 0 && s.rank_k > 0 &&
                     s.rank_v > 0 && n_q >= 1 && n_q <= n_kv &&
                     (kv_type == KvType::f32 || kv_type == KvType::f16);
  assert(valid && "tpa_decode_attention: shape or kv_type outside kernels/tpa.h's contract");
  if (!valid) return;

  Params p{};
  p.n_head = int(s.n_head);
  p.head_dim = int(s.head_dim);
  p.kv_only = s.rank_q == 0;
  p.rank_q = int(p.kv_only ? s.n_head : s.rank_q);
  p.rank_k = int(s.rank_k);
  p.rank_v = int(s.rank_v);
  p.row = s.row_elems();
  p.query_elems = s.query_elems();
  p.n_q = n_q;
  p.n_kv = n_kv;
  p.c = scale / float((p.kv_only ? 1 : s.rank_q) * s.rank_k);

  const auto stream = static_cast<cudaStream_t>(ex.stream);
  if (kv_type == KvType::f32) {
    launch<float>(stream, out, q, k_rows, v_rows, p);
  } else {
    launch<__half>(stream, out, q, k_rows, v_rows, p);
  }
}

}  // namespace kern::cuda
