// One layer's prefill attention, full causal vs tensorized, timed in the same run.
// Shape: 32 query heads, 8 kv heads, head dim 128 (Llama-3-8B), RoPE normal over all 128 dims,
// dims from kern::default_dims(N). Prints a table of wall times and the full/tensorized ratio, and
// the process CPU seconds of the same runs (a steadier comparison on a shared machine).
//
// The full kernel is a flash-style causal attention written here (kern::cpu has no full attention
// op on this branch yet; the merge switches it to kern::cpu::attention): threads over
// (query block x head), K tiles transposed so scores are contiguous axpys, online softmax --
// the same inner loops as the tensorized cpu kernel, so the ratio compares algorithms.
//
// Usage: bench_tensorized [--threads T] [--from N] [--max-full N] [--max-tensorized N]
//                         [--variant complete|cone] [--rope local|global]
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

constexpr int64_t kHq = 32, kHkv = 8, kDim = 128, kTile = 64;

// out [n, kHq, kDim] = causal softmax(q k^T * scale) v with q, k already rotated.
void full_causal_flash(kern::ThreadPool& pool, float* out, const float* q, const float* k,
                       const float* v, int64_t n, float scale) {
  const int64_t n_blocks = (n + kTile - 1) / kTile;
  pool.parallel_for(n_blocks * kHq, 1, [&](int64_t b, int64_t e) {
    std::vector<float> kt(static_cast<size_t>(kDim * kTile)), sc(static_cast<size_t>(kTile));
    std::vector<float> acc(static_cast<size_t>(kTile * kDim));
    std::vector<float> mx(static_cast<size_t>(kTile)), sum(static_cast<size_t>(kTile));
    for (int64_t task = b; task < e; ++task) {
      // Heavy (late) query blocks first so the dynamic split balances.
      const int64_t qb = n_blocks - 1 - task / kHq, h = task % kHq, g = h / (kHq / kHkv);
      const int64_t r0 = qb * kTile, r1 = std::min(n, r0 + kTile);
      std::fill(acc.begin(), acc.end(), 0.0f);
      std::fill(mx.begin(), mx.end(), -INFINITY);
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (int64_t s0 = 0; s0 < r1; s0 += kTile) {
        const int64_t s1 = std::min(r1, s0 + kTile), ns = s1 - s0;
        for (int64_t s = s0; s < s1; ++s) {
          const float* ks = k + (s * kHkv + g) * kDim;
          for (int64_t d = 0; d < kDim; ++d) kt[size_t(d * kTile + (s - s0))] = ks[d];
        }
        for (int64_t t = r0; t < r1; ++t) {
          const int64_t nk = std::min(ns, t - s0 + 1);  // causal: keys s <= t
          if (nk <= 0) continue;
          const float* qt = q + (t * kHq + h) * kDim;
          std::fill(sc.begin(), sc.begin() + nk, 0.0f);
          for (int64_t d = 0; d < kDim; ++d) {
            const float qd = qt[d] * scale;
            const float* kr = kt.data() + d * kTile;
            for (int64_t s = 0; s < nk; ++s) sc[size_t(s)] += qd * kr[s];
          }
          const size_t r = size_t(t - r0);
          float* a = acc.data() + r * kDim;
          const float tile_max = *std::max_element(sc.begin(), sc.begin() + nk);
          if (tile_max > mx[r]) {
            const float f = std::exp(mx[r] - tile_max);
            sum[r] *= f;
            for (int64_t d = 0; d < kDim; ++d) a[d] *= f;
            mx[r] = tile_max;
          }
          for (int64_t s = 0; s < nk; ++s) {
            const float p = std::exp(sc[size_t(s)] - mx[r]);
            sum[r] += p;
            const float* vs = v + ((s0 + s) * kHkv + g) * kDim;
            for (int64_t d = 0; d < kDim; ++d) a[d] += p * vs[d];
          }
        }
      }
      for (int64_t t = r0; t < r1; ++t) {
        const size_t r = size_t(t - r0);
        float* o = out + (t * kHq + h) * kDim;
        for (int64_t d = 0; d < kDim; ++d) o[d] = acc[r * kDim + size_t(d)] / sum[r];
      }
    }
  });
}

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
    const kern::TensorDims dims = kern::default_dims(n);
    Timing full;
    if (n <= max_full) {
      std::vector<float> qr(q), kr(k);
      std::vector<int32_t> pos(static_cast<size_t>(n));
      for (int64_t t = 0; t < n; ++t) pos[size_t(t)] = int32_t(t);
      full = best_time([&] {
        // RoPE is part of the timed work for both kernels (cheap next to attention).
        std::copy(q.begin(), q.end(), qr.begin());
        std::copy(k.begin(), k.end(), kr.begin());
        kern::ref::rope({}, qr.data(), pos.data(), n, kHq, kDim, rope);
        kern::ref::rope({}, kr.data(), pos.data(), n, kHkv, kDim, rope);
        full_causal_flash(pool, out.data(), qr.data(), kr.data(), v.data(), n, scale);
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
