// bench_tpa: KV-cache bytes and decode speed of a T6 (Tensor Product Attention) model against a
// multi-head and a grouped-query Llama model of the same width, at 4k, 32k and 128k tokens of
// context, printed as one table. Not run by ctest (speed is measured, never asserted).
//
//   bench_tpa [--ctx 4096,32768,131072] [--steps 8] [--threads 0] [--layers 4]
//             [--part all|models|kernel]
//
// Models (synthetic, random weights, f32 matrices so that no quantized GEMV dominates): width
// 768, 12 heads of 64, ff 2048, vocab 512; "mha" 12 kv heads, "gqa" 4 kv heads, "t6" ranks
// q 6 / k 2 / v 2 (T6's defaults). The cache is f16 for all three and is filled to the context
// with random rows (their values do not change the work), so no long prefill is needed; then
// `steps` single tokens are decoded and the median step time is reported as tokens/s.
// A second table ("kernel") times the attention op alone for one decode token over the same t6
// layer shape and f16 rows: kern::cpu and, in a CUDA build with a device, kern::cuda (the CUDA
// column is omitted with a line saying why otherwise); tokens/s there counts `layers` calls.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/model/synthetic_model.h"
#include "engine/model/synthetic_t6.h"
#include "engine/runtime/forward.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"
#include "kernels/tpa.h"

#ifdef QUIRE_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace {

using namespace quire::engine;
namespace fs = std::filesystem;

struct Options {
  std::vector<int64_t> ctx = {4096, 32768, 131072};
  int steps = 8;
  int threads = 0;
  int64_t layers = 4;
  std::string part = "all";  // "models", "kernel" or both
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
    } else if (key == "--part") {
      o.part = value;
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

// The t6 layer of the models table, for the kernel table.
const kern::TpaShape kT6Shape{12, 64, 6, 2, 2};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

#ifdef QUIRE_HAVE_CUDA
// Median seconds of one kern::cuda::tpa_decode_attention call (one query over ctx f16 rows),
// timed with CUDA events after one warm-up call; negative when a CUDA call failed.
double time_cuda(const std::vector<uint16_t>& k, const std::vector<uint16_t>& v,
                 const std::vector<float>& q, int64_t ctx, int steps) {
  void *dk = nullptr, *dv = nullptr, *dq = nullptr, *dout = nullptr;
  const size_t row_bytes = k.size() * sizeof(uint16_t);
  const size_t out_bytes = size_t(kT6Shape.n_head * kT6Shape.head_dim) * sizeof(float);
  cudaEvent_t start = nullptr, stop = nullptr;
  bool ok = cudaMalloc(&dk, row_bytes) == cudaSuccess && cudaMalloc(&dv, row_bytes) == cudaSuccess &&
            cudaMalloc(&dq, q.size() * sizeof(float)) == cudaSuccess &&
            cudaMalloc(&dout, out_bytes) == cudaSuccess &&
            cudaMemcpy(dk, k.data(), row_bytes, cudaMemcpyHostToDevice) == cudaSuccess &&
            cudaMemcpy(dv, v.data(), row_bytes, cudaMemcpyHostToDevice) == cudaSuccess &&
            cudaMemcpy(dq, q.data(), q.size() * sizeof(float), cudaMemcpyHostToDevice) ==
                cudaSuccess &&
            cudaEventCreate(&start) == cudaSuccess && cudaEventCreate(&stop) == cudaSuccess;
  const float scale = 1.0f / std::sqrt(float(kT6Shape.head_dim));
  std::vector<double> times;
  for (int s = -1; ok && s < steps; ++s) {  // s = -1: warm-up, not timed
    cudaEventRecord(start);
    kern::cuda::tpa_decode_attention(kern::Exec{}, static_cast<float*>(dout),
                                     static_cast<const float*>(dq), dk, dv, kern::KvType::f16,
                                     kT6Shape, 1, ctx, scale);
    cudaEventRecord(stop);
    float ms = 0.0f;
    ok = cudaGetLastError() == cudaSuccess && cudaEventSynchronize(stop) == cudaSuccess &&
         cudaEventElapsedTime(&ms, start, stop) == cudaSuccess;
    if (s >= 0) times.push_back(double(ms) * 1e-3);
  }
  for (void* d : {dk, dv, dq, dout}) cudaFree(d);
  if (start != nullptr) cudaEventDestroy(start);
  if (stop != nullptr) cudaEventDestroy(stop);
  return ok ? median(times) : -1.0;
}
#endif

// The kernel table: one t6 layer's attention for one decode token at each context.
void bench_kernel(const Options& o, kern::ThreadPool& pool) {
  const kern::TpaShape& s = kT6Shape;
  std::string cuda_note;
#ifdef QUIRE_HAVE_CUDA
  const bool use_cuda = kern::cuda::device_count() > 0;
  if (!use_cuda) cuda_note = "cuda column omitted: no CUDA device";
#else
  const bool use_cuda = false;
  cuda_note = "cuda column omitted: built without CUDA (configure with -DQUIRE_CUDA=ON)";
#endif
  fmt::print("\nattention kernel only: tpa_decode_attention, 1 query, t6 layer (12 heads of 64, "
             "ranks 6/2/2), f16 rows, median of {} calls; tokens/s = 1 / ({} layers x call)\n",
             o.steps, o.layers);
  if (!cuda_note.empty()) fmt::print("{}\n", cuda_note);
  fmt::print("{:>7}  {:>10}  {:>12}", "context", "cpu ms", "cpu tokens/s");
  if (use_cuda) fmt::print("  {:>10}  {:>13}", "cuda ms", "cuda tokens/s");
  fmt::print("\n");
  std::mt19937 gen(2);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> q(size_t(s.query_elems()));
  for (float& x : q) x = nd(gen);
  const float scale = 1.0f / std::sqrt(float(s.head_dim));
  for (int64_t ctx : o.ctx) {
    const int64_t row = s.row_elems();
    std::vector<float> rowf(static_cast<size_t>(row));
    std::vector<uint16_t> k(size_t(ctx * row)), v(size_t(ctx * row));  // f16: 2 bytes each
    for (int64_t m = 0; m < ctx; ++m) {
      for (float& x : rowf) x = nd(gen);
      kern::kv_encode_row(kern::KvType::f16, rowf.data(), k.data() + m * row, row);
      kern::kv_encode_row(kern::KvType::f16, rowf.data(), v.data() + m * row, row);
    }
    std::vector<float> out(size_t(s.n_head * s.head_dim));
    std::vector<double> times;
    for (int step = 0; step < o.steps; ++step) {
      const auto t0 = std::chrono::steady_clock::now();
      kern::cpu::tpa_decode_attention(kern::Exec{&pool, nullptr}, out.data(), q.data(), k.data(),
                                      v.data(), kern::KvType::f16, s, 1, ctx, scale);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double cpu = median(times);
    fmt::print("{:>7}  {:>10.3f}  {:>12.1f}", ctx, cpu * 1e3, 1.0 / (cpu * double(o.layers)));
#ifdef QUIRE_HAVE_CUDA
    if (use_cuda) {
      const double gpu = time_cuda(k, v, q, ctx, o.steps);
      if (gpu < 0.0) {
        fmt::print("  cuda failed: {}", cudaGetErrorString(cudaGetLastError()));
      } else {
        fmt::print("  {:>10.3f}  {:>13.1f}", gpu * 1e3, 1.0 / (gpu * double(o.layers)));
      }
    }
#endif
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  kern::ThreadPool pool(o.threads);
  if (o.part == "kernel") {
    fmt::print("{} threads\n", pool.size());
    bench_kernel(o, pool);
    return 0;
  }
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

  fmt::print("{} layers, width 768, 12 heads of 64, f16 KV cache, {} threads, median of {} "
             "decode steps\n", o.layers, pool.size(), o.steps);
  fmt::print("{:<5} {:>7}  {:>10}  {:>10}  {:>9}  {:>8}\n", "model", "context", "KV B/token",
             "KV MiB", "tokens/s", "ms/token");
  bench("mha", dir / "mha.gguf", o, pool);
  bench("gqa", dir / "gqa.gguf", o, pool);
  bench("t6", dir / "t6.gguf", o, pool);
  if (o.part == "all") bench_kernel(o, pool);
  return 0;
}
