// Attention prefill, kern::ref vs kern::cpu, Llama-3-8B-like heads: 32 query heads, 8 kv heads,
// head_dim 128, n_q = n_kv = N, 2 threads. Not run by ctest:
//   build/<preset>/bin/bench_attention [--benchmark_filter=cpu]
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kHeads = 32, kKvHeads = 8, kHeadDim = 128;

template <class Fn>
void bench_prefill(benchmark::State& state, Fn fn, kern::KvType type) {
  const int64_t n = state.range(0);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> q(size_t(n * kHeads * kHeadDim)), kv(size_t(n * kKvHeads * kHeadDim));
  for (float& x : q) x = normal(rng);
  for (float& x : kv) x = normal(rng);
  const int64_t rb = kern::kv_row_bytes(type, kHeadDim);
  std::vector<unsigned char> k(size_t(n * kKvHeads * rb)), v(k.size());
  for (int64_t r = 0; r < n * kKvHeads; ++r) {
    kern::kv_encode_row(type, kv.data() + r * kHeadDim, k.data() + r * rb, kHeadDim);
    kern::kv_encode_row(type, kv.data() + r * kHeadDim, v.data() + r * rb, kHeadDim);
  }
  std::vector<float> out(q.size());
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  for (auto _ : state) {
    fn(ex, out.data(), q.data(), k.data(), v.data(), type, n, n, kHeads, kKvHeads, kHeadDim,
       1.0f / std::sqrt(float(kHeadDim)));
    benchmark::DoNotOptimize(out.data());
  }
  // Causal: about n^2 / 2 (query, key) pairs per head, 2 * head_dim flops each for QK and PV.
  const double flops = double(n) * double(n + 1) / 2.0 * kHeads * 4.0 * kHeadDim;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void BM_attention_prefill_ref_f32(benchmark::State& s) {
  bench_prefill(s, kern::ref::attention, kern::KvType::f32);
}
void BM_attention_prefill_cpu_f32(benchmark::State& s) {
  bench_prefill(s, kern::cpu::attention, kern::KvType::f32);
}
void BM_attention_prefill_cpu_f16(benchmark::State& s) {
  bench_prefill(s, kern::cpu::attention, kern::KvType::f16);
}
void BM_attention_prefill_cpu_q8_0(benchmark::State& s) {
  bench_prefill(s, kern::cpu::attention, kern::KvType::q8_0);
}

}  // namespace

// The ref takes minutes at 4k: one iteration is enough to compare.
BENCHMARK(BM_attention_prefill_ref_f32)->Arg(1024)->Arg(2048)->Arg(4096)->Iterations(1)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_attention_prefill_cpu_f32)->Arg(1024)->Arg(2048)->Arg(4096)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_attention_prefill_cpu_f16)->Arg(1024)->Arg(2048)->Arg(4096)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_attention_prefill_cpu_q8_0)->Arg(1024)->Arg(2048)->Arg(4096)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
