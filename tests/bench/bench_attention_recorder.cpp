// Decode attention with and without the AttentionRecorder's recomputation, per layer, Llama-3-8B
// heads (32 query heads, 8 kv heads, head_dim 128), one query over n_kv cached positions:
// kern::cpu::attention on 2 threads vs AttentionRecorder::record_layer (calling thread), so the
// ratio of the two is the recorder's overhead on a decode step's attention. Tensorized attention
// (complete, local RoPE, default dims for twice n_kv): TensorizedState::append of one token (the
// decode step's attention) vs attention_row (the hop weights the recorder keeps), both on the
// calling thread. Not run by ctest:
//   build/<preset>/bin/bench_attention_recorder
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "engine/attention/tensorized_state.h"
#include "engine/runtime/attention_recorder.h"
#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"

namespace {

constexpr int64_t kHeads = 32, kKvHeads = 8, kHeadDim = 128;

struct Decode {
  std::vector<float> q, out;
  std::vector<unsigned char> k, v;
};

Decode make(int64_t n_kv, kern::KvType type) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  Decode d;
  d.q.resize(size_t(kHeads * kHeadDim));
  for (float& x : d.q) x = normal(rng);
  d.out.resize(d.q.size());
  const int64_t rb = kern::kv_row_bytes(type, kHeadDim);
  d.k.resize(size_t(n_kv * kKvHeads * rb));
  d.v.resize(d.k.size());
  std::vector<float> row(static_cast<size_t>(kHeadDim));
  for (int64_t r = 0; r < n_kv * kKvHeads; ++r) {
    for (float& x : row) x = normal(rng);
    kern::kv_encode_row(type, row.data(), d.k.data() + r * rb, kHeadDim);
    kern::kv_encode_row(type, row.data(), d.v.data() + r * rb, kHeadDim);
  }
  return d;
}

void BM_decode_attention_f16(benchmark::State& state) {
  const int64_t n = state.range(0);
  Decode d = make(n, kern::KvType::f16);
  kern::ThreadPool pool(2);
  const kern::Exec ex{&pool, nullptr};
  for (auto _ : state) {
    kern::cpu::attention(ex, d.out.data(), d.q.data(), d.k.data(), d.v.data(), kern::KvType::f16,
                         1, n, kHeads, kKvHeads, kHeadDim, 1.0f / std::sqrt(float(kHeadDim)));
    benchmark::DoNotOptimize(d.out.data());
  }
}

void BM_record_layer_f16(benchmark::State& state) {
  const int64_t n = state.range(0);
  Decode d = make(n, kern::KvType::f16);
  quire::engine::AttentionRecorder recorder;
  for (auto _ : state) {
    recorder.record_layer(n - 1, 0, d.q.data(), d.k.data(), kern::KvType::f16, n, kHeads,
                          kKvHeads, kHeadDim, 1.0f / std::sqrt(float(kHeadDim)));
    recorder.clear();
  }
}

// A tensorized state holding n tokens of random q, k, v, and a query row for the next token.
struct Tensorized {
  quire::engine::TensorizedState state;
  std::vector<float> q, k, v, out;
};

Tensorized make_tensorized(int64_t n) {
  quire::engine::TensorizedConfig c;
  c.dims = kern::default_dims(2 * n);
  c.rope.n_rot = kHeadDim;
  c.n_head = kHeads;
  c.n_head_kv = kKvHeads;
  c.head_dim = kHeadDim;
  c.scale = 1.0f / std::sqrt(float(kHeadDim));
  Tensorized t{quire::engine::TensorizedState::create(c).value(), {}, {}, {}, {}};
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  t.q.resize(size_t(n * kHeads * kHeadDim));
  t.k.resize(size_t(n * kKvHeads * kHeadDim));
  t.v.resize(t.k.size());
  t.out.resize(t.q.size());
  for (auto* x : {&t.q, &t.k, &t.v}) {
    for (float& f : *x) f = normal(rng);
  }
  (void)t.state.append({}, t.q.data(), t.k.data(), t.v.data(), n, t.out.data());
  return t;
}

void BM_tensorized_append(benchmark::State& state) {
  Tensorized t = make_tensorized(state.range(0));
  for (auto _ : state) {  // the state grows by one token per iteration (n stays ~ range(0))
    (void)t.state.append({}, t.q.data(), t.k.data(), t.v.data(), 1, t.out.data());
  }
}

void BM_tensorized_row(benchmark::State& state) {
  Tensorized t = make_tensorized(state.range(0));
  std::vector<quire::engine::HopSpan> spans;
  for (auto _ : state) {
    t.state.attention_row(t.state.size() - 1, t.q.data(), spans);
    benchmark::DoNotOptimize(spans.data());
  }
}

}  // namespace

BENCHMARK(BM_tensorized_append)->Arg(1024)->Arg(8192)->Iterations(200)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tensorized_row)->Arg(1024)->Arg(8192)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decode_attention_f16)->Arg(1024)->Arg(8192)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_record_layer_f16)->Arg(1024)->Arg(8192)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
