// bench_tpa: KV-cache bytes and decode speed of a T6 (Tensor Product Attention) model against a
// multi-head and a grouped-query Llama model of the same width, at 4k, 32k and 128k tokens of
// context, printed as one table. Not run by ctest (speed is measured, never asserted).
//
//   bench_tpa [--ctx 4096,32768,131072] [--steps 8] [--threads 0] [--layers 4]
//
// Models (synthetic, random weights, f32 matrices so that no quantized GEMV dominates): width
// 768, 12 heads of 64, ff 2048, vocab 512; "mha" 12 kv heads, "gqa" 4 kv heads, "t6" ranks
// q 6 / k 2 / v 2 (T6's defaults). The cache is f16 for all three and is filled to the context
// with random rows (their values do not change the work), so no long prefill is needed; then
// `steps` single tokens are decoded and the median step time is reported as tokens/s.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/model/synthetic_model.h"
#include "engine/model/synthetic_t6.h"
#include "engine/runtime/forward.h"
#include "kernels/thread_pool.h"

namespace {

using namespace quire::engine;
namespace fs = std::filesystem;

struct Options {
  std::vector<int64_t> ctx = {4096, 32768, 131072};
  int steps = 8;
  int threads = 0;
  int64_t layers = 4;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--ctx") {
      o.ctx.clear();
      std::stringstream ss(value);
      for (std::string part; std::getline(ss, part, ',');) o.ctx.push_back(std::stoll(part));
    } else if (key == "--steps") {
      o.steps = std::stoi(value);
    } else if (key == "--threads") {
      o.threads = std::stoi(value);
    } else if (key == "--layers") {
      o.layers = std::stoll(value);
    }
  }
  return o;
}

// Fills every layer of `cache` to n tokens with random rows (in chunks, one buffer reused).
void fill(KvCache& cache, int64_t n) {
  const KvCacheConfig& c = cache.config();
  const int64_t width = c.n_head_kv * c.head_dim, chunk = 4096;
  std::mt19937 gen(1);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> rows(size_t(chunk * width));
  for (float& x : rows) x = nd(gen);
  for (int64_t l = 0; l < c.n_layer; ++l) {
    for (int64_t pos = 0; pos < n; pos += chunk) {
      const int64_t len = std::min(chunk, n - pos);
      if (!cache.append(l, pos, len, rows.data(), rows.data())) std::abort();
    }
  }
}

void bench(const std::string& label, const fs::path& path, const Options& o, kern::ThreadPool& pool) {
  auto model = Model::load(path);
  if (!model) {
    fmt::print(stderr, "{}: {}\n", label, model.error().message);
    std::exit(1);
  }
  for (int64_t ctx : o.ctx) {
    auto cache = KvCache::create(kv_cache_config((*model)->config(), ctx + o.steps,
                                                 kern::KvType::f16));
    if (!cache) {
      fmt::print("{:<5} {:>7}  {}\n", label, ctx, cache.error().message);
      continue;
    }
    fill(*cache, ctx);
    CpuForward fw(*model, &pool);
    std::vector<float> logits;
    std::vector<double> times;
    int32_t token = 65;
    for (int s = 0; s < o.steps; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      if (!fw.run(*cache, std::span(&token, 1), false, logits)) std::abort();
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      token = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
    std::sort(times.begin(), times.end());
    const double med = times[times.size() / 2];
    fmt::print("{:<5} {:>7}  {:>10}  {:>10.1f}  {:>9.2f}  {:>8.1f}\n", label, ctx,
               cache->bytes_per_token(), double(cache->bytes_per_token() * ctx) / 1048576.0,
               1.0 / med, med * 1e3);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const fs::path dir = fs::temp_directory_path() / "quire_bench_tpa";
  fs::create_directories(dir);
  SyntheticSpec llama;
  llama.shape = {"w768", o.layers, 768, 2048, 12, 12, 512, 131072 + 64};
  llama.type = "f32";
  if (!write_synthetic_llama(dir / "mha.gguf", llama)) return 1;
  llama.shape.n_head_kv = 4;
  if (!write_synthetic_llama(dir / "gqa.gguf", llama)) return 1;
  SyntheticT6Spec t6;
  t6.n_layer = o.layers;
  t6.n_embd = 768;
  t6.n_head = 12;
  t6.head_dim = 64;
  t6.rank_q = 6;
  t6.rank_k = 2;
  t6.rank_v = 2;
  t6.n_vocab = 512;
  t6.n_ctx = 131072 + 64;
  if (!write_synthetic_t6(dir / "t6.gguf", t6)) return 1;

  kern::ThreadPool pool(o.threads);
  fmt::print("{} layers, width 768, 12 heads of 64, f16 KV cache, {} threads, median of {} "
             "decode steps\n", o.layers, pool.size(), o.steps);
  fmt::print("{:<5} {:>7}  {:>10}  {:>10}  {:>9}  {:>8}\n", "model", "context", "KV B/token",
             "KV MiB", "tokens/s", "ms/token");
  bench("mha", dir / "mha.gguf", o, pool);
  bench("gqa", dir / "gqa.gguf", o, pool);
  bench("t6", dir / "t6.gguf", o, pool);
  return 0;
}
