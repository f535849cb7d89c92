// Weight GEMV (decode, M = 1) and GEMM (prefill, M = 512) for every weight type: kern::ref
// against kern::cpu with a 2-thread pool, and kern::cpu with its AVX2 kernels forced off.
// Shapes are one 4096 x 4096 projection of a 7-8B Llama. Not run by ctest; run by hand:
//   build/<preset>/bin/bench_matmul_w [--benchmark_filter=gemv]
// The ref GEMM takes tens of seconds per type (double accumulation, one iteration).
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/weight_dot.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kN = 4096, kK = 4096, kPrefill = 512;

const std::vector<float>& activations() {
  static const std::vector<float> a = [] {
    std::mt19937 rng(1);
    std::normal_distribution<float> dist;
    std::vector<float> v(static_cast<size_t>(kPrefill * kK));
    for (float& x : v) x = dist(rng);
    return v;
  }();
  return a;
}

// N(0, 0.02) weights encoded as `type`, built once per type on first use.
const std::vector<uint8_t>& weights(kern::DType type) {
  static std::map<kern::DType, std::vector<uint8_t>> cache;
  auto it = cache.find(type);
  if (it == cache.end()) {
    std::mt19937 rng(2);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(kN * kK));
    for (float& x : w) x = dist(rng);
    std::vector<uint8_t> q(static_cast<size_t>(kN * kern::row_bytes(type, kK)));
    kern::ref::quantize(q.data(), w.data(), type, kN * kK);
    it = cache.emplace(type, std::move(q)).first;
  }
  return it->second;
}

enum class Variant { ref, cpu, cpu_portable };

void run(benchmark::State& state, kern::DType type, Variant variant, int64_t M) {
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  const auto& W = weights(type);
  const float* A = activations().data();
  std::vector<float> C(static_cast<size_t>(M * kN));
  kern::cpu::detail::set_simd_enabled(variant != Variant::cpu_portable);
  for (auto _ : state) {
    if (variant == Variant::ref) {
      kern::ref::matmul_w(ex, C.data(), A, W.data(), type, M, kN, kK);
    } else {
      kern::cpu::matmul_w(ex, C.data(), A, W.data(), type, M, kN, kK);
    }
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  kern::cpu::detail::set_simd_enabled(true);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(M) * kN * kK, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  state.counters["GB/s(W)"] = benchmark::Counter(double(W.size()), benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

const int registered = [] {
  const kern::DType types[] = {kern::DType::f32,  kern::DType::f16,  kern::DType::bf16,
                               kern::DType::q8_0, kern::DType::q4_0, kern::DType::q4_k,
                               kern::DType::q5_k, kern::DType::q6_k};
  const std::pair<Variant, const char*> variants[] = {
      {Variant::ref, "ref"}, {Variant::cpu, "cpu"}, {Variant::cpu_portable, "cpu_portable"}};
  for (const auto& [shape, M] : {std::pair{"gemv_1x4096x4096", int64_t{1}},
                                 std::pair{"gemm_512x4096x4096", kPrefill}}) {
    for (kern::DType type : types) {
      for (const auto& [variant, vname] : variants) {
        const std::string name = std::string(shape) + "/" + std::string(kern::dtype_info(type).name) + "/" + vname;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
          run(s, type, variant, M);
        });
        b->Unit(benchmark::kMillisecond)->UseRealTime();
        if (variant == Variant::ref && M > 1) b->Iterations(1);
      }
    }
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
