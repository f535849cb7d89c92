// Decode-shaped weight reading on 2 threads: the figures behind the shape of the f32 decode
// kernel (kernels/cpu/weight_dot_avx2.cpp dot_f32: one row per call, 256-bit loads, a
// non-temporal prefetch 2 KB ahead). Not run by ctest; run by hand on an idle machine:
//   build/<preset>/bin/bench_decode_gemv
// stream_read: a 440 MB f32 buffer (stories-110M's per-token weight bytes) dotted with one
// 768-float activation row by 2 threads, each reading its half once per variant; every iteration
// runs each variant once in turn, so their ratios come from the same minutes of a shared machine.
//   row256       one 768-float row at a time, two 8-lane FMA accumulators (dot_f32, no prefetch)
//   row256_nta   the same with _MM_HINT_NTA 2 KB ahead (dot_f32 as it is)
//   row512       one row at a time with 16-lane loads
//   rows4_256    four rows interleaved, 8-lane (the access order of a four-row kernel)
// Counters: GB/s per variant and each variant's speed / row256's.
// decode_gemv/stories110m_f32: the weight products of one stories-110M decode step through
// kern::cpu (12 layers of fused Q/K/V, output projection, fused gate/up + SwiGLU and down, then
// the 32000-row head) with a 2-thread pool spinning as CpuForward sets it for decode; counters
// tokens/s (GEMVs only) and GB/s.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemv_fused.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

constexpr int64_t kDim = 768, kHidden = 2048, kLayers = 12, kVocab = 32000;
constexpr int64_t kLayerFloats = 4 * kDim * kDim + 3 * kDim * kHidden;
constexpr int64_t kTotalFloats = kLayers * kLayerFloats + kVocab * kDim;  // 110 M floats

// The weights, 64-byte aligned, N(0, 0.02) on a sparse grid (values do not change the speed).
const float* weights() {
  static const float* w = [] {
    const size_t bytes = size_t(kTotalFloats) * sizeof(float);
    auto* p = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    std::mt19937 rng(3);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    for (int64_t i = 0; i < kTotalFloats; ++i) p[i] = i % 7 == 0 ? dist(rng) : 0.0f;
    return p;
  }();
  return w;
}

std::vector<float> activation_row(int64_t n) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist;
  std::vector<float> a(static_cast<size_t>(n));
  for (float& x : a) x = dist(rng);
  return a;
}

#if defined(__x86_64__)

#define BENCH_AVX2 __attribute__((target("avx2,fma")))
#define BENCH_AVX512 __attribute__((target("avx2,fma,avx512f")))

BENCH_AVX2 float hsum8(__m256 v) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

// Sum over rows [begin, end) of row . a; each variant reads every weight byte once.
template <bool kPrefetch>
BENCH_AVX2 float rows_256(const float* w, const float* a, int64_t begin, int64_t end) {
  float total = 0.0f;
  for (int64_t r = begin; r < end; ++r) {
    const float* row = w + r * kDim;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t k = 0; k < kDim; k += 16) {
      if constexpr (kPrefetch) {
        _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(row + k) + 2048), _MM_HINT_NTA);
      }
      acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + k), _mm256_loadu_ps(a + k), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + k + 8), _mm256_loadu_ps(a + k + 8), acc1);
    }
    total += hsum8(_mm256_add_ps(acc0, acc1));
  }
  return total;
}

BENCH_AVX512 float rows_512(const float* w, const float* a, int64_t begin, int64_t end) {
  float total = 0.0f;
  for (int64_t r = begin; r < end; ++r) {
    const float* row = w + r * kDim;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (int64_t k = 0; k < kDim; k += 32) {
      acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(row + k), _mm512_loadu_ps(a + k), acc0);
      acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(a + k + 16), acc1);
    }
    alignas(64) float t[16];  // through memory: GCC 12's 512-bit extracts trip -Werror=uninitialized
    _mm512_store_ps(t, _mm512_add_ps(acc0, acc1));
    for (const float x : t) total += x;
  }
  return total;
}

BENCH_AVX2 float rows4_256(const float* w, const float* a, int64_t begin, int64_t end) {
  float total = 0.0f;
  int64_t r = begin;
  for (; r + 4 <= end; r += 4) {
    const float* row = w + r * kDim;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t k = 0; k < kDim; k += 8) {
      const __m256 av = _mm256_loadu_ps(a + k);
      for (int i = 0; i < 4; ++i) acc[i] = _mm256_fmadd_ps(_mm256_loadu_ps(row + i * kDim + k), av, acc[i]);
    }
    total += hsum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  }
  return total + rows_256<false>(w, a, r, end);
}

using RowsFn = float (*)(const float*, const float*, int64_t, int64_t);

void stream_read(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("needs AVX2, FMA and AVX-512F");
    return;
  }
  struct Variant {
    const char* name;
    RowsFn fn;
    double seconds = 0.0;
  };
  Variant variants[] = {{"row256", rows_256<false>}, {"row256_nta", rows_256<true>},
                        {"row512", rows_512}, {"rows4_256", rows4_256}};
  kern::ThreadPool pool(2);
  const float* w = weights();
  const std::vector<float> a = activation_row(kDim);
  const int64_t rows = kTotalFloats / kDim;
  float sink = 0.0f;
  for (auto _ : state) {
    double iteration = 0.0;
    for (Variant& v : variants) {
      const auto t0 = std::chrono::steady_clock::now();
      float parts[2] = {0.0f, 0.0f};
      pool.parallel_for(2, 1, [&](int64_t begin, int64_t end) {
        for (int64_t half = begin; half < end; ++half) {
          parts[half] = v.fn(w, a.data(), half * rows / 2, (half + 1) * rows / 2);
        }
      });
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      sink += parts[0] + parts[1];
      v.seconds += s;
      iteration += s;
    }
    state.SetIterationTime(iteration);
  }
  benchmark::DoNotOptimize(sink);
  const double bytes = double(kTotalFloats) * sizeof(float) * double(state.iterations());
  for (const Variant& v : variants) {
    state.counters[std::string(v.name) + "_GB/s"] = bytes / v.seconds / 1e9;
    state.counters[std::string(v.name) + "/row256"] = variants[0].seconds / v.seconds;
  }
}
BENCHMARK(stream_read)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);

#endif  // __x86_64__

void decode_gemv(benchmark::State& state) {
  kern::ThreadPool pool(2);
  pool.set_spin(std::chrono::microseconds(50));  // CpuForward's decode setting
  const kern::Exec ex{&pool, nullptr};
  const float* w = weights();
  const std::vector<float> x = activation_row(kHidden);
  std::vector<float> q(kDim), k(kDim), v(kDim), o(kDim), gate(kHidden), up(kHidden), down(kDim), logits(kVocab);
  using kern::DType;
  for (auto _ : state) {
    const float* p = w;
    for (int64_t l = 0; l < kLayers; ++l) {
      const kern::WeightProduct qkv[3] = {{q.data(), {p, DType::f32, kDim}},
                                          {k.data(), {p + kDim * kDim, DType::f32, kDim}},
                                          {v.data(), {p + 2 * kDim * kDim, DType::f32, kDim}}};
      kern::cpu::matmul_w_multi(ex, x.data(), 1, kDim, qkv);
      kern::cpu::matmul_w(ex, o.data(), q.data(), p + 3 * kDim * kDim, DType::f32, 1, kDim, kDim);
      const float* ffn = p + 4 * kDim * kDim;
      kern::cpu::matmul_w_swiglu(ex, gate.data(), up.data(), o.data(), 1, kDim, {ffn, DType::f32, kHidden},
                                 {ffn + kDim * kHidden, DType::f32, kHidden});
      kern::cpu::matmul_w(ex, down.data(), gate.data(), ffn + 2 * kDim * kHidden, DType::f32, 1, kDim, kHidden);
      p += kLayerFloats;
    }
    kern::cpu::matmul_w(ex, logits.data(), down.data(), p, DType::f32, 1, kVocab, kDim);
    benchmark::DoNotOptimize(logits.data());
  }
  state.counters["tokens/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["GB/s"] = benchmark::Counter(double(kTotalFloats) * sizeof(float) * double(state.iterations()),
                                              benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(decode_gemv)->Name("decode_gemv/stories110m_f32")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
