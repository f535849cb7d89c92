// CpuForward speed on synthetic models (engine/model/synthetic_model.h): prefill of 128 tokens
// and single-token decode after a 128-token prompt, for stories15m in q8_0 and q4_k_m, with a
// pool of 2 threads. Not run by ctest; run by hand:
//   build/<preset>/bin/bench_forward [--benchmark_filter=decode]
// The model files are written once per type to the temp folder (a few seconds).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/model/synthetic_model.h"
#include "engine/runtime/forward.h"
#include "kernels/thread_pool.h"

namespace {

using namespace quire::engine;

constexpr int64_t kPrompt = 128;

std::shared_ptr<const Model> model(const std::string& type) {
  static std::map<std::string, std::shared_ptr<const Model>> cache;
  auto it = cache.find(type);
  if (it != cache.end()) return it->second;
  SyntheticSpec spec;
  spec.shape = *synthetic_shape("stories15m");
  spec.type = type;
  const auto path = std::filesystem::temp_directory_path() / ("quire_bench_" + type + ".gguf");
  if (!write_synthetic_llama(path, spec)) return nullptr;
  auto m = Model::load(path);
  return cache[type] = m ? *m : nullptr;
}

std::vector<int32_t> prompt() {
  std::vector<int32_t> t(kPrompt);
  for (int64_t i = 0; i < kPrompt; ++i) t[size_t(i)] = static_cast<int32_t>(300 + 7 * i);
  return t;
}

void run_bench(benchmark::State& state, const std::string& type, bool decode) {
  auto m = model(type);
  if (!m) {
    state.SkipWithError("could not write or load the synthetic model");
    return;
  }
  kern::ThreadPool pool(2);
  CpuForward fwd(m, &pool);
  auto cache = KvCache::create(kv_cache_config(m->config(), kPrompt + 1, kern::KvType::f16));
  const std::vector<int32_t> tokens = prompt();
  std::vector<float> logits;
  const int32_t next = 400;
  for (auto _ : state) {
    state.PauseTiming();
    cache->clear();
    if (decode) (void)fwd.run(*cache, tokens, false, logits);
    state.ResumeTiming();
    auto ok = decode ? fwd.run(*cache, std::span(&next, 1), false, logits)
                     : fwd.run(*cache, tokens, false, logits);
    if (!ok) state.SkipWithError(ok.error().message.c_str());
  }
  state.counters["tokens/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * (decode ? 1 : kPrompt)), benchmark::Counter::kIsRate);
}

void BM_prefill_q8_0(benchmark::State& s) { run_bench(s, "q8_0", false); }
void BM_prefill_q4_k_m(benchmark::State& s) { run_bench(s, "q4_k_m", false); }
void BM_decode_q8_0(benchmark::State& s) { run_bench(s, "q8_0", true); }
void BM_decode_q4_k_m(benchmark::State& s) { run_bench(s, "q4_k_m", true); }
BENCHMARK(BM_prefill_q8_0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_prefill_q4_k_m)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_decode_q8_0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_decode_q4_k_m)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
