// One layer's prefill attention, full causal vs tensorized, timed in the same run.
// Shape: 32 query heads, 8 kv heads, head dim 128 (Llama-3-8B), RoPE normal over all 128 dims,
// dims from kern::default_dims(N). Prints a table of wall times and the full/tensorized ratio, and
// the process CPU seconds of the same runs (a steadier comparison on a shared machine).
//
// The full baseline is the real exact kernel, kern::cpu::attention (flash-style, f32 K/V rows,
// n_q = n_kv = N), after kern::cpu::rope at absolute positions; RoPE is timed for both.
//
// Usage: bench_tensorized [--threads T] [--from N] [--max-full N] [--max-tensorized N]
//                         [--variant complete|cone] [--rope local|global] [--dims AxBxC]
// --dims replaces kern::default_dims(N) for every N it holds (capacity >= N), e.g. to compare the
// default order-2 folding at 32k with an order-3 one.
// Not run by ctest.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kHq = 32, kHkv = 8, kDim = 128;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Timing {
  double wall = NAN;  // seconds, best run
  double cpu = NAN;   // process CPU seconds of that run, all threads (robust on a busy machine)
};

// Best wall time of `fn` over repetitions until 0.5 s are spent (one run when a run is longer).
template <class Fn>
Timing best_time(Fn fn) {
  Timing best{INFINITY, INFINITY};
  double spent = 0;
  do {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    fn();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    const double s = seconds_since(t0);
    if (s < best.wall) best = Timing{s, cpu};
    spent += s;
  } while (spent < 0.5);
  return best;
}

std::optional<int64_t> arg_int(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return std::strtoll(argv[i + 1], nullptr, 10);
  }
  return std::nullopt;
}

std::string arg_str(int argc, char** argv, std::string_view name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = int(arg_int(argc, argv, "--threads").value_or(2));
  const int64_t from = std::max<int64_t>(1, arg_int(argc, argv, "--from").value_or(1024));
  const int64_t max_full = arg_int(argc, argv, "--max-full").value_or(32768);
  const int64_t max_tens = arg_int(argc, argv, "--max-tensorized").value_or(131072);
  const auto variant = arg_str(argc, argv, "--variant", "complete") == "cone"
                           ? kern::TensorVariant::cone
                           : kern::TensorVariant::complete;
  const auto rope_kind = arg_str(argc, argv, "--rope", "local") == "global"
                             ? kern::TensorRope::global
                             : kern::TensorRope::local;
  kern::TensorDims fixed_dims;
  const std::string dims_text = arg_str(argc, argv, "--dims", "");
  if (!dims_text.empty()) {
    if (const std::string err = kern::parse_dims(dims_text, fixed_dims); !err.empty()) {
      std::fprintf(stderr, "bench_tensorized: --dims %s: %s\n", dims_text.c_str(), err.c_str());
      return 2;
    }
  }
  kern::ThreadPool pool(threads);
  const kern::Exec ex{&pool, nullptr};
  const kern::RopeParams rope{kern::RopeMode::normal, kDim, 500000.0f, 1.0f, nullptr};
  const float scale = 1.0f / std::sqrt(float(kDim));

  std::printf("attention of one layer: %lld q heads, %lld kv heads, head dim %lld, %d threads, "
              "%s, RoPE %s\n",
              (long long)kHq, (long long)kHkv, (long long)kDim, threads,
              variant == kern::TensorVariant::cone ? "cone" : "complete",
              rope_kind == kern::TensorRope::global ? "global" : "local");
  std::printf("%8s %12s %12s %14s %9s %14s %12s %12s %9s\n", "N", "dims", "full ms",
              "tensorized ms", "ratio", "tens ns/token", "full cpu-s", "tens cpu-s", "cpu ratio");
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t n = from; n <= std::max(max_full, max_tens); n *= 2) {
    std::vector<float> q(size_t(n * kHq * kDim)), k(size_t(n * kHkv * kDim)), v(k.size());
    for (auto* x : {&q, &k, &v}) {
      for (float& e : *x) e = dist(rng);
    }
    std::vector<float> out(q.size());
    const kern::TensorDims dims =
        fixed_dims.n.empty() || fixed_dims.capacity() < n ? kern::default_dims(n) : fixed_dims;
    Timing full;
    if (n <= max_full) {
      std::vector<float> qr(q), kr(k);
      std::vector<int32_t> pos(static_cast<size_t>(n));
      for (int64_t t = 0; t < n; ++t) pos[size_t(t)] = int32_t(t);
      full = best_time([&] {
        // RoPE is part of the timed work for both kernels (cheap next to attention).
        std::copy(q.begin(), q.end(), qr.begin());
        std::copy(k.begin(), k.end(), kr.begin());
        kern::cpu::rope(ex, qr.data(), pos.data(), n, kHq, kDim, rope);
        kern::cpu::rope(ex, kr.data(), pos.data(), n, kHkv, kDim, rope);
        kern::cpu::attention(ex, out.data(), qr.data(), kr.data(), v.data(), kern::KvType::f32, n,
                             n, kHq, kHkv, kDim, scale);
      });
    }
    Timing tens;
    if (n <= max_tens) {
      tens = best_time([&] {
        kern::cpu::attention_tensorized(ex, out.data(), q.data(), k.data(), v.data(), n, kHq, kHkv,
                                        kDim, scale, dims, variant, rope_kind, rope);
      });
    }
    std::printf("%8lld %12s %12.1f %14.1f %9.1f %14.0f %12.2f %12.2f %9.1f\n", (long long)n,
                dims.to_string().c_str(), full.wall * 1e3, tens.wall * 1e3, full.wall / tens.wall,
                tens.wall * 1e9 / double(n), full.cpu, tens.cpu, full.cpu / tens.cpu);
    std::fflush(stdout);
  }
  return 0;
}
