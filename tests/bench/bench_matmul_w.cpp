// Weight GEMV (decode, M = 1) and GEMM (prefill, M = 512) for every weight type: kern::ref
// against kern::cpu with a 2-thread pool, and kern::cpu with its AVX2 kernels forced off.
// For the quantized types also kern::cpu with the integer path (8-bit activations) switched off
// (cpu_float), and the int_vs_float/* rows: both paths alternately in each iteration, so the
// reported speedup = time(float path) / time(integer path) comes from the same minutes of a
// shared machine; likewise vnni_vs_avx2/* for the two integer builds. int_vs_float/gemm_* is the
// prefill integer GEMM (q8_gemm.h, where select_q8_gemm has one for the type, else the float path
// on both sides) against dequantize + SGEMM, also on TinyLlama's two projection shapes
// (512 x 2048 x 2048 attention, 512 x 5632 x 2048 MLP up/gate); dot4_vs_float/* is the older
// four-row dot kernel against SGEMM.
// Shapes are one 4096 x 4096 projection of a 7-8B Llama unless named. Not run by ctest; run by hand:
//   build/<preset>/bin/bench_matmul_w [--benchmark_filter=gemv]
// The ref GEMM takes tens of seconds per type (double accumulation, one iteration).
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/q8_dot.h"
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

// N(0, 0.02) weights [N, K] encoded as `type`, built once per (type, N, K) on first use.
const std::vector<uint8_t>& weights(kern::DType type, int64_t N = kN, int64_t K = kK) {
  static std::map<std::tuple<kern::DType, int64_t, int64_t>, std::vector<uint8_t>> cache;
  auto it = cache.find({type, N, K});
  if (it == cache.end()) {
    std::mt19937 rng(2);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    std::vector<float> w(static_cast<size_t>(N * K));
    for (float& x : w) x = dist(rng);
    std::vector<uint8_t> q(static_cast<size_t>(N * kern::row_bytes(type, K)));
    kern::ref::quantize(q.data(), w.data(), type, N * K);
    it = cache.emplace(std::tuple{type, N, K}, std::move(q)).first;
  }
  return it->second;
}

enum class Variant { ref, cpu, cpu_portable, cpu_float };

void run(benchmark::State& state, kern::DType type, Variant variant, int64_t M) {
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  const auto& W = weights(type);
  const float* A = activations().data();
  std::vector<float> C(static_cast<size_t>(M * kN));
  kern::cpu::detail::set_simd_enabled(variant != Variant::cpu_portable);
  kern::cpu::set_q8_activations(variant != Variant::cpu_float);
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
  kern::cpu::set_q8_activations(true);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(M) * kN * kK, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  state.counters["GB/s(W)"] = benchmark::Counter(double(W.size()), benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// Runs kern::cpu::matmul_w with `set_a` and with `set_b` applied, alternately, and reports
// speedup = time(a) / time(b); the iteration time is the time of b. Restores the switches.
// Shape M x N x K (K <= kK: A is a prefix of the activations).
void run_pair(benchmark::State& state, kern::DType type, int64_t M, void (*set_a)(), void (*set_b)(),
              int64_t N = kN, int64_t K = kK) {
  const int64_t q8_rows = kern::cpu::detail::q8_max_rows();
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  const auto& W = weights(type, N, K);
  const float* A = activations().data();
  std::vector<float> C(static_cast<size_t>(M * N));
  using Clock = std::chrono::steady_clock;
  double t_a = 0.0, t_b = 0.0;
  const auto timed = [&](void (*set)()) {
    set();
    const auto t0 = Clock::now();
    kern::cpu::matmul_w(ex, C.data(), A, W.data(), type, M, N, K);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  for (auto _ : state) {
    t_a += timed(set_a);
    const double tb = timed(set_b);
    t_b += tb;
    state.SetIterationTime(tb);
  }
  kern::cpu::set_q8_activations(true);
  kern::cpu::detail::set_vnni_enabled(true);
  kern::cpu::detail::set_q8_max_rows(q8_rows);
  state.counters["speedup"] = t_a / t_b;
}

void float_path() { kern::cpu::set_q8_activations(false); }
void int_path() { kern::cpu::set_q8_activations(true); }
void avx2_int() { kern::cpu::detail::set_vnni_enabled(false); }
void vnni_int() { kern::cpu::detail::set_vnni_enabled(true); }
// The four-row dot kernels at M = 512 (the integer GEMM then never runs).
void dot4_int() {
  kern::cpu::set_q8_activations(true);
  kern::cpu::detail::set_q8_max_rows(int64_t{1} << 40);
}

const int registered = [] {
  const kern::DType types[] = {kern::DType::f32,  kern::DType::f16,  kern::DType::bf16,
                               kern::DType::q8_0, kern::DType::q4_0, kern::DType::q4_k,
                               kern::DType::q5_k, kern::DType::q6_k};
  const std::pair<Variant, const char*> variants[] = {
      {Variant::ref, "ref"}, {Variant::cpu, "cpu"}, {Variant::cpu_portable, "cpu_portable"},
      {Variant::cpu_float, "cpu_float"}};
  for (const auto& [shape, M] : {std::pair{"gemv_1x4096x4096", int64_t{1}},
                                 std::pair{"gemm_512x4096x4096", kPrefill}}) {
    for (kern::DType type : types) {
      for (const auto& [variant, vname] : variants) {
        if (variant == Variant::cpu_float && !kern::act_q8_for(type)) continue;
        const std::string name = std::string(shape) + "/" + std::string(kern::dtype_info(type).name) + "/" + vname;
        auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
          run(s, type, variant, M);
        });
        b->Unit(benchmark::kMillisecond)->UseRealTime();
        if (variant == Variant::ref && M > 1) b->Iterations(1);
      }
    }
  }
  for (kern::DType type : types) {
    if (!kern::act_q8_for(type)) continue;
    const std::string tname(kern::dtype_info(type).name);
    for (const auto& [shape, M] : {std::pair{"gemv_1x4096x4096", int64_t{1}},
                                   std::pair{"gemv_4x4096x4096", int64_t{4}}}) {
      benchmark::RegisterBenchmark(("int_vs_float/" + std::string(shape) + "/" + tname).c_str(),
                                   [=](benchmark::State& s) { run_pair(s, type, M, float_path, int_path); })
          ->Unit(benchmark::kMillisecond)->UseManualTime();
    }
    for (const auto& [shape, N, K] : {std::tuple{"gemm_512x4096x4096", kN, kK},
                                      std::tuple{"gemm_512x2048x2048", int64_t{2048}, int64_t{2048}},
                                      std::tuple{"gemm_512x5632x2048", int64_t{5632}, int64_t{2048}}}) {
      benchmark::RegisterBenchmark(("int_vs_float/" + std::string(shape) + "/" + tname).c_str(),
                                   [=](benchmark::State& s) { run_pair(s, type, kPrefill, float_path, int_path, N, K); })
          ->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(4);
    }
    benchmark::RegisterBenchmark(("dot4_vs_float/gemm_512x4096x4096/" + tname).c_str(),
                                 [=](benchmark::State& s) { run_pair(s, type, kPrefill, float_path, dot4_int); })
        ->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(2);
    benchmark::RegisterBenchmark(("vnni_vs_avx2/gemv_1x4096x4096/" + tname).c_str(),
                                 [=](benchmark::State& s) { run_pair(s, type, 1, avx2_int, vnni_int); })
        ->Unit(benchmark::kMillisecond)->UseManualTime();
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
