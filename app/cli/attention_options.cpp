#include "app/cli/attention_options.h"

namespace quire::app {

void add_attention_options(CLI::App* cmd, AttentionOptions& options) {
  cmd->add_option("--attention", options.mode,
                  "Attention: full (exact), tensorized (every token) or hybrid (document "
                  "prefill tensorized, question and answer exact)")
      ->check(CLI::IsMember({"full", "tensorized", "hybrid"}))
      ->capture_default_str();
  cmd->add_option("--tensor-dims", options.dims,
                  "Tensorized folding n_1xn_2x...xn_d, coarsest first, e.g. 32x64x64 (default: "
                  "the model's trained dims, else a rule from --ctx)");
  cmd->add_option("--tensor-variant", options.variant, "Tensorized variant")
      ->check(CLI::IsMember({"complete", "cone"}))
      ->capture_default_str();
  cmd->add_option("--tensor-rope", options.rope,
                  "RoPE positions in the coarse hops: local (coordinate) or global (absolute)")
      ->check(CLI::IsMember({"local", "global"}))
      ->capture_default_str();
  cmd->add_option("--tensor-extend", options.extend,
                  "Past a trained model's dims: prepend a coarser dim or grow the coarsest")
      ->check(CLI::IsMember({"prepend", "grow"}))
      ->capture_default_str();
}

Result<engine::AttentionConfig> attention_config(const AttentionOptions& options) {
  engine::AttentionConfig config;
  // The names were checked by CLI11; a failed parse leaves the default and cannot happen.
  engine::parse_attention_mode(options.mode, config.mode);
  engine::parse_tensor_variant(options.variant, config.variant);
  engine::parse_tensor_rope(options.rope, config.rope_kind);
  engine::parse_tensor_extend(options.extend, config.extend);
  if (!options.dims.empty()) {
    if (std::string err = kern::parse_dims(options.dims, config.dims); !err.empty()) {
      return make_error(Errc::invalid_argument, "--tensor-dims {}: {}", options.dims, err);
    }
  }
  return config;
}

}  // namespace quire::app
