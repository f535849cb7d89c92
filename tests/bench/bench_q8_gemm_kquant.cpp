// The K-quant integer prefill GEMM (kern::cpu::detail::q8_gemm_kquant_vnni) against today's
// prefill path for the same weights (kern::cpu::matmul_w with set_q8_activations(false):
// dequantize to f32 + OpenBLAS SGEMM), on TinyLlama-1.1B's prefill shapes (M = 512 tokens;
// N x K = q/o 2048x2048, k/v 256x2048, gate/up 5632x2048, down 2048x5632, head 32000x2048) for
// q4_K, q6_K and q5_K, both on a 2-thread kern::ThreadPool.
// Each iteration runs both paths alternately, so the ratio comes from the same seconds of a shared
// machine. The integer path's time includes rounding the f32 activations to q8_K
// (kern::cpu::quantize_act), as matmul_w would; its weight rows are split over the threads in
// chunks of whole 16-row panels. Counters:
//   speedup     time(dequant + SGEMM) / time(quantize_act + integer GEMM)   (the iteration time)
//   GMAC/s      M * N * K / time of the integer path (quantization included)
//   GMAC/s_gemm the same for the integer GEMM alone
//   GMAC/s_f32  the same for the float path
// Not run by ctest; run by hand (needs a CPU with AVX-512 VNNI):
//   build/<preset>/bin/bench_q8_gemm_kquant [--benchmark_filter=q4_K]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/q8_gemm.h"
#include "kernels/half.h"
#include "kernels/kernels.h"
#include "kernels/q8_act.h"
#include "kernels/quant_blocks.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kPrefill = 512;

std::vector<float> activations(int64_t K) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<float> v(static_cast<size_t>(kPrefill * K));
  for (float& x : v) x = dist(rng);
  return v;
}

// N rows of K elements as `type`: random quant and scale bytes with fp16 d (and dmin) ~0.001
// (the speed of either path does not depend on the values, only on finite scales).
std::vector<uint8_t> weights(kern::DType type, int64_t N, int64_t K) {
  std::mt19937 rng(2);
  std::vector<uint8_t> w(static_cast<size_t>(N * kern::row_bytes(type, K)));
  for (uint8_t& b : w) b = uint8_t(rng());
  const int64_t bb = kern::dtype_info(type).block_bytes;
  const uint16_t small = kern::fp32_to_fp16(1e-3f);
  for (size_t off = 0; off < w.size(); off += size_t(bb)) {
    if (type == kern::DType::q6_k) {
      kern::quant::store_u16(w.data() + off + kern::quant::q6_k::d, small);
    } else {
      kern::quant::store_u16(w.data() + off + kern::quant::q4_k::d, small);
      kern::quant::store_u16(w.data() + off + kern::quant::q4_k::dmin, small);
    }
  }
  return w;
}

void run(benchmark::State& state, kern::DType type, int64_t N, int64_t K) {
  const kern::cpu::detail::Q8Gemm gemm = kern::cpu::detail::q8_gemm_kquant_vnni(type);
  if (!kern::cpu::detail::cpu_has_avx512_vnni() || gemm == nullptr) {
    state.SkipWithError("this CPU lacks AVX-512 VNNI (or the type has no K-quant GEMM)");
    return;
  }
  const int64_t M = kPrefill;
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  const auto W = weights(type, N, K);
  const auto A = activations(K);
  const int64_t w_stride = kern::row_bytes(type, K), a_stride = kern::act_row_bytes(kern::ActQ8::q8_k, K);
  std::vector<uint8_t> Aq(static_cast<size_t>(M * a_stride));
  std::vector<float> C(static_cast<size_t>(M * N));
  const int64_t panels = (N + 15) / 16;

  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  double t_float = 0.0, t_int = 0.0, t_gemm = 0.0;
  for (auto _ : state) {
    kern::cpu::set_q8_activations(false);
    auto t0 = Clock::now();
    kern::cpu::matmul_w(ex, C.data(), A.data(), W.data(), type, M, N, K);
    benchmark::ClobberMemory();
    t_float += seconds(t0);
    kern::cpu::set_q8_activations(true);

    t0 = Clock::now();
    kern::cpu::quantize_act(ex, Aq.data(), A.data(), kern::ActQ8::q8_k, M, K);
    const auto t1 = Clock::now();
    pool.parallel_for(panels, (panels + 1) / 2, [&](int64_t p0, int64_t p1) {
      const int64_t n0 = 16 * p0, n1 = std::min(N, 16 * p1);
      gemm(W.data() + n0 * w_stride, w_stride, Aq.data(), a_stride, M, n1 - n0, K, C.data() + n0, N);
    });
    benchmark::ClobberMemory();
    const double ti = seconds(t0);
    t_gemm += seconds(t1);
    t_int += ti;
    state.SetIterationTime(ti);
  }
  const double macs = double(M) * double(N) * double(K) * double(state.iterations());
  state.counters["speedup"] = t_float / t_int;
  state.counters["GMAC/s"] = macs / t_int * 1e-9;
  state.counters["GMAC/s_gemm"] = macs / t_gemm * 1e-9;
  state.counters["GMAC/s_f32"] = macs / t_float * 1e-9;
}

const int registered = [] {
  struct Shape { const char* name; int64_t N, K; };
  const Shape shapes[] = {{"qo_2048x2048", 2048, 2048}, {"kv_256x2048", 256, 2048},
                          {"gate_up_5632x2048", 5632, 2048}, {"down_2048x5632", 2048, 5632},
                          {"head_32000x2048", 32000, 2048}};
  for (const kern::DType type : {kern::DType::q4_k, kern::DType::q6_k, kern::DType::q5_k}) {
    for (const Shape& s : shapes) {
      const std::string name = std::string(kern::dtype_info(type).name) + "/pp512/" + s.name;
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { run(st, type, s.N, s.K); })
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime();
    }
  }
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
