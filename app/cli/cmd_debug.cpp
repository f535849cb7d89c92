// `quire-cli debug ...`: tools for developers and tests, not for readers.
//   debug make-model --shape S --type T [--seed N] [--tied] [--llama3-rope] --out FILE.gguf
//       writes a synthetic Llama model (engine/model/synthetic_model.h).
//   debug attention --q Q.npy --k K.npy --v V.npy --mode full|tensorized [--dims AxB...]
//       [--variant complete|cone] [--rope local|global] [--rope-base B] --out O.npy
//       runs one attention op (debug_attention.h) on arrays from numpy, for golden tests.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/debug_attention.h"
#include "app/cli/exit_codes.h"
#include "engine/model/synthetic_model.h"

namespace quire::app {

namespace {

void add_make_model(CLI::App& debug, CommandRun& run) {
  struct Options {
    std::string shape = "tiny";
    std::string type = "f32";
    uint64_t seed = 0;
    bool tied = false;
    bool llama3_rope = false;
    float rope_scale = 0.0f;
    std::string out;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = debug.add_subcommand(
      "make-model", "Write a Llama GGUF file with random weights of a known shape, for tests");
  cmd->add_option("--shape", opts->shape,
                  "tiny, tiny-mha, stories15m, stories110m or tinyllama")
      ->capture_default_str();
  cmd->add_option("--type", opts->type,
                  "Weight type: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, q4_k_m, q5_k_m")
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Random seed")->capture_default_str();
  cmd->add_flag("--tied", opts->tied, "Tie the output head to the token embedding");
  cmd->add_flag("--llama3-rope", opts->llama3_rope,
                "Write rope_freqs.weight (Llama 3.1 style RoPE scaling)");
  cmd->add_option("--rope-scale", opts->rope_scale, "Linear RoPE scaling factor (0: none)");
  cmd->add_option("--out", opts->out, "Output .gguf path")->required();
  cmd->parse_complete_callback([&run, opts] {
    run = [opts]() -> int {
      auto shape = engine::synthetic_shape(opts->shape);
      if (!shape) return report_error(shape.error());
      engine::SyntheticSpec spec;
      spec.shape = *shape;
      spec.type = opts->type;
      spec.seed = opts->seed;
      spec.tied_output = opts->tied;
      spec.llama3_rope = opts->llama3_rope;
      spec.rope_scale = opts->rope_scale;
      if (auto ok = engine::write_synthetic_llama(opts->out, spec); !ok) return report_error(ok.error());
      return kExitOk;
    };
  });
}

}  // namespace

void add_debug_command(CLI::App& root, CommandRun& run) {
  CLI::App* debug = root.add_subcommand("debug", "Developer tools: synthetic models, kernel checks");
  debug->require_subcommand(1);
  add_make_model(*debug, run);
  add_debug_attention(*debug, run);
}

}  // namespace quire::app
