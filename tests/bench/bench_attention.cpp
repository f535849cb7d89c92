// Attention, Llama-3-8B-like heads: 32 query heads, 8 kv heads, head_dim 128, 2 threads.
// Prefill: kern::ref vs kern::cpu, n_q = n_kv = N. Decode: kern::cpu, one query over a cache of
// N keys; the counter KV_GB/s is the cache bytes read per second (decode streams the whole cache
// once per token, so compare it with bench_decode_gemv's stream_read). Not run by ctest:
//   build/<preset>/bin/bench_attention [--benchmark_filter=cpu]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "engine/runtime/kv_cache.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kHeads = 32, kKvHeads = 8, kHeadDim = 128;

// A one-layer KvCache holding n_kv random keys and values of every kv head as `type`: the
// engine's own cache, so the row layout and the allocation (huge pages; decode speed depends on
// the TLB) are the ones attention reads in a session.
quire::engine::KvCache random_cache(int64_t n_kv, kern::KvType type) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  std::vector<float> k(size_t(n_kv * kKvHeads * kHeadDim)), v(k.size());
  for (float& x : k) x = normal(rng);
  for (float& x : v) x = normal(rng);
  auto cache = quire::engine::KvCache::create({1, n_kv, kKvHeads, kHeadDim, type});
  if (!cache.ok() || !cache->append(0, 0, n_kv, k.data(), v.data()).ok()) std::abort();
  return std::move(cache).value();
}

std::vector<float> random_queries(int64_t n_q) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> q(size_t(n_q * kHeads * kHeadDim));
  for (float& x : q) x = normal(rng);
  return q;
}

template <class Fn>
void bench_prefill(benchmark::State& state, Fn fn, kern::KvType type) {
  const int64_t n = state.range(0);
  const std::vector<float> q = random_queries(n);
  const quire::engine::KvCache cache = random_cache(n, type);
  std::vector<float> out(q.size());
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  for (auto _ : state) {
    fn(ex, out.data(), q.data(), cache.k_data(0), cache.v_data(0), type, n, n, kHeads, kKvHeads, kHeadDim,
       1.0f / std::sqrt(float(kHeadDim)));
    benchmark::DoNotOptimize(out.data());
  }
  // Causal: about n^2 / 2 (query, key) pairs per head, 2 * head_dim flops each for QK and PV.
  const double flops = double(n) * double(n + 1) / 2.0 * kHeads * 4.0 * kHeadDim;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void bench_decode(benchmark::State& state, kern::KvType type) {
  const int64_t n = state.range(0);
  const std::vector<float> q = random_queries(1);
  const quire::engine::KvCache cache = random_cache(n, type);
  std::vector<float> out(q.size());
  kern::ThreadPool pool(2);
  pool.set_spin(std::chrono::microseconds(50));  // CpuForward's decode setting
  const kern::Exec ex{&pool, nullptr};
  for (auto _ : state) {
    kern::cpu::attention(ex, out.data(), q.data(), cache.k_data(0), cache.v_data(0), type, 1, n, kHeads, kKvHeads,
                         kHeadDim, 1.0f / std::sqrt(float(kHeadDim)));
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["KV_GB/s"] = benchmark::Counter(double(cache.capacity_bytes()) * double(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
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

void BM_attention_decode_cpu_f16(benchmark::State& s) { bench_decode(s, kern::KvType::f16); }
void BM_attention_decode_cpu_q8_0(benchmark::State& s) { bench_decode(s, kern::KvType::q8_0); }
BENCHMARK(BM_attention_decode_cpu_f16)->Arg(4096)->Arg(32768)->Arg(131072)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_attention_decode_cpu_q8_0)->Arg(4096)->Arg(32768)->Arg(131072)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
