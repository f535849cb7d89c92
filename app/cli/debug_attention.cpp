// `quire-cli debug attention` (see debug_attention.h).
#include "app/cli/debug_attention.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/exit_codes.h"
#include "app/io/npy.h"
#include "engine/base/result.h"
#include "kernels/kernels.h"
#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"

namespace quire::app {

namespace {

struct Options {
  std::string q, k, v, out;
  std::string mode = "tensorized";
  std::string dims;  // empty: default_dims(N)
  std::string variant = "complete";
  std::string rope = "local";
  float rope_base = 10000.0f;
  int threads = 1;
};

Result<NpyArray> read_3d(const std::string& path, const char* name) {
  auto arr = read_npy(path);
  if (arr && arr->shape.size() != 3) {
    return make_error(Errc::mismatch, "{}: --{} must be a 3-D array [tokens, heads, head_dim], "
                      "it has {} dimensions", path, name, arr->shape.size());
  }
  return arr;
}

Result<void> run_attention(const Options& o) {
  auto q = read_3d(o.q, "q");
  if (!q) return q.error();
  auto k = read_3d(o.k, "k");
  if (!k) return k.error();
  auto v = read_3d(o.v, "v");
  if (!v) return v.error();
  const int64_t n = q->shape[0], hq = q->shape[1], dim = q->shape[2], hkv = k->shape[1];
  if (k->shape != v->shape || k->shape[0] != n || k->shape[2] != dim || n < 1 || hq < 1 ||
      hkv < 1 || dim < 2 || dim % 2 != 0 || hq % hkv != 0 || n >= (int64_t(1) << 31)) {
    return make_error(Errc::mismatch,
                      "q [{}, {}, {}], k [{}, {}, {}] and v [{}, {}, {}] do not fit together: k "
                      "and v must have q's token count and an even head_dim, and q's heads must "
                      "be a multiple of k's",
                      n, hq, dim, k->shape[0], k->shape[1], k->shape[2], v->shape[0], v->shape[1],
                      v->shape[2]);
  }
  if (k->is_f64 != q->is_f64 || v->is_f64 != q->is_f64) {
    return make_error(Errc::mismatch, "q, k and v must share one dtype (all <f4 or all <f8)");
  }
  auto to_float = [](const NpyArray& a) { return std::vector<float>(a.values.begin(), a.values.end()); };
  std::vector<float> qf = to_float(*q), kf = to_float(*k), vf = to_float(*v);
  std::vector<float> out(qf.size());
  const kern::RopeParams rope{kern::RopeMode::normal, dim, o.rope_base, 1.0f, nullptr};
  const float scale = 1.0f / std::sqrt(float(dim));
  kern::ThreadPool pool(o.threads);
  const kern::Exec ex{&pool, nullptr};
  if (o.mode == "full") {
    std::vector<int32_t> pos(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) pos[size_t(t)] = int32_t(t);
    kern::cpu::rope(ex, qf.data(), pos.data(), n, hq, dim, rope);
    kern::cpu::rope(ex, kf.data(), pos.data(), n, hkv, dim, rope);
    kern::cpu::attention(ex, out.data(), qf.data(), kf.data(), vf.data(), kern::KvType::f32, n, n,
                         hq, hkv, dim, scale);
  } else {
    kern::TensorDims dims = kern::default_dims(n);
    if (!o.dims.empty()) {
      if (std::string err = kern::parse_dims(o.dims, dims); !err.empty()) {
        return make_error(Errc::invalid_argument, "--dims: {}", err);
      }
    }
    if (dims.capacity() < n) {
      return make_error(Errc::context_overflow,
                        "--dims {} hold {} positions but the arrays have {} tokens; give larger "
                        "dims", dims.to_string(), dims.capacity(), n);
    }
    const auto variant =
        o.variant == "cone" ? kern::TensorVariant::cone : kern::TensorVariant::complete;
    const auto rope_kind = o.rope == "global" ? kern::TensorRope::global : kern::TensorRope::local;
    kern::cpu::attention_tensorized(ex, out.data(), qf.data(), kf.data(), vf.data(), n, hq, hkv,
                                    dim, scale, dims, variant, rope_kind, rope);
  }
  const std::vector<int64_t> shape{n, hq, dim};
  if (q->is_f64) return write_npy_f64(o.out, std::vector<double>(out.begin(), out.end()), shape);
  return write_npy_f32(o.out, out, shape);
}

}  // namespace

void add_debug_attention(CLI::App& debug, CommandRun& run) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = debug.add_subcommand(
      "attention", "Run full or tensorized causal attention on q, k, v from .npy files");
  cmd->add_option("--q", opts->q, "Queries [N, Hq, D] (.npy, <f4 or <f8), unrotated")->required();
  cmd->add_option("--k", opts->k, "Keys [N, Hkv, D] (.npy), unrotated")->required();
  cmd->add_option("--v", opts->v, "Values [N, Hkv, D] (.npy)")->required();
  cmd->add_option("--out", opts->out, "Output [N, Hq, D] .npy, in q's dtype")->required();
  cmd->add_option("--mode", opts->mode, "full or tensorized")
      ->check(CLI::IsMember({"full", "tensorized"}))
      ->capture_default_str();
  cmd->add_option("--dims", opts->dims, "Tensorized folding, coarsest first (default: the rule)");
  cmd->add_option("--variant", opts->variant, "complete or cone")
      ->check(CLI::IsMember({"complete", "cone"}))
      ->capture_default_str();
  cmd->add_option("--rope", opts->rope, "local or global")
      ->check(CLI::IsMember({"local", "global"}))
      ->capture_default_str();
  cmd->add_option("--rope-base", opts->rope_base, "RoPE theta base")->capture_default_str();
  cmd->add_option("--threads", opts->threads, "Threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->parse_complete_callback([&run, opts] {
    run = [opts]() -> int {
      if (auto ok = run_attention(*opts); !ok) return report_error(ok.error());
      return kExitOk;
    };
  });
}

}  // namespace quire::app
