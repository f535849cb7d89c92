// `quire-cli bench --model M [-p 512] [-n 128] [-t 2] [-r 3] [--json] [--float-activations]`:
// prefill and decode speed,
// measured like llama.cpp's llama-bench so the numbers compare side by side:
//   pp<p>: p random tokens prefilled into an empty context, tokens/s;
//   tg<n>: n tokens decoded one forward pass at a time from an empty context, tokens/s
//          (random tokens, no sampling: the forward pass is what is measured).
// One untimed warm-up run of each test precedes the r timed repetitions; the median is reported
// (with min and max), as the machine's speed drifts.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/session_options.h"
#include "engine/base/progress.h"
#include "kernels/q8_act.h"

namespace quire::app {
namespace {

struct BenchArgs {
  SessionOptions session;
  int64_t n_prompt = 512;
  int64_t n_gen = 128;
  int reps = 3;
  bool json = false;
  bool float_activations = false;
};

struct Measure {
  std::string name;  // "pp512", "tg128"
  int64_t n_tokens = 0;
  std::vector<double> rates;  // tokens/s per repetition

  double median() const {
    std::vector<double> r = rates;
    std::sort(r.begin(), r.end());
    const size_t m = r.size() / 2;
    return r.size() % 2 ? r[m] : 0.5 * (r[m - 1] + r[m]);
  }
};

// Seconds for one run of the test: prefill all of `tokens` at once (pp) or one at a time (tg).
Result<double> run_once(engine::Session& session, const std::vector<int32_t>& tokens, bool one_by_one) {
  session.clear();
  // hybrid: decode (tg) is the exact part, prefill (pp) the tensorized one.
  if (one_by_one) session.end_document_prefill();
  const double t0 = steady_seconds();
  if (one_by_one) {
    for (const int32_t& t : tokens) {
      if (auto done = session.prefill(std::span<const int32_t>(&t, 1)); !done) return done.error();
    }
  } else if (auto done = session.prefill(tokens); !done) {
    return done.error();
  }
  return steady_seconds() - t0;
}

int run_bench(BenchArgs& args) {
  args.session.config.n_ctx = std::max(args.n_prompt, args.n_gen);
  auto session = load_session(args.session);
  if (!session) return report_error(session.error());
  const int64_t n_vocab = (*session)->model().config().n_vocab;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(n_vocab - 1));

  std::vector<Measure> measures;
  for (const auto& [count, one_by_one] : {std::pair{args.n_prompt, false}, {args.n_gen, true}}) {
    if (count <= 0) continue;
    Measure m{fmt::format("{}{}", one_by_one ? "tg" : "pp", count), count, {}};
    std::vector<int32_t> tokens(static_cast<size_t>(count));
    for (int rep = -1; rep < args.reps; ++rep) {  // rep -1: warm-up
      for (auto& t : tokens) t = pick(rng);
      auto seconds = run_once(**session, tokens, one_by_one);
      if (!seconds) return report_error(seconds.error());
      if (rep >= 0) m.rates.push_back(double(count) / std::max(*seconds, 1e-9));
    }
    measures.push_back(std::move(m));
  }

  const engine::Model& model = (*session)->model();
  const int threads = args.session.config.n_threads;
  if (args.json) {
    nlohmann::json out = {{"model", args.session.model},
                          {"model_name", model.config().name},
                          {"threads", threads},
                          {"kv_type", args.session.kv_type_text},
                          {"repetitions", args.reps},
                          {"tests", nlohmann::json::array()}};
    for (const Measure& m : measures) {
      out["tests"].push_back({{"test", m.name},
                              {"n_tokens", m.n_tokens},
                              {"median_tokens_per_s", m.median()},
                              {"tokens_per_s", m.rates}});
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  fmt::print("| model | threads | test | t/s (median) | min | max |\n|---|---|---|---|---|---|\n");
  for (const Measure& m : measures) {
    const auto [lo, hi] = std::minmax_element(m.rates.begin(), m.rates.end());
    fmt::print("| {} | {} | {} | {:.2f} | {:.2f} | {:.2f} |\n", args.session.model, threads,
               m.name, m.median(), *lo, *hi);
  }
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<BenchArgs>();
  args->session.config.n_threads = 2;
  CLI::App* cmd = root.add_subcommand(
      "bench", "Measure prefill and decode tokens/s (like llama-bench's pp512 / tg128)");
  add_session_options(cmd, args->session, /*with_ctx=*/false);
  cmd->add_option("-p,--n-prompt", args->n_prompt, "Prompt tokens for the prefill test (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", args->n_gen, "Tokens for the decode test (0: skip)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("-r,--repetitions", args->reps, "Timed repetitions per test")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_flag("--float-activations", args->float_activations,
                "Multiply quantized weights with float activations (the exact path) instead of "
                "8-bit ones, in prefill and decode, to measure what the integer kernels gain");
  cmd->parse_complete_callback([&run, args] {
    run = [args] {
      kern::cpu::set_q8_activations(!args->float_activations);
      return run_bench(*args);
    };
  });
}

}  // namespace quire::app
