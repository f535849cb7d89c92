#include "app/cli/session_options.h"

#include <fmt/format.h>

#include "app/cli/exit_codes.h"

namespace quire::app {

void add_session_options(CLI::App* cmd, SessionOptions& options, bool with_ctx) {
  cmd->add_option("-m,--model", options.model, "GGUF model file")->required();
  cmd->add_option("-t,--threads", options.config.n_threads, "CPU threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--kv-type", options.kv_type_text, "KV cache element type")
      ->check(CLI::IsMember({"f16", "q8_0", "f32"}))
      ->capture_default_str();
  add_attention_options(cmd, options.attention);
  if (with_ctx) {
    cmd->add_option("-c,--ctx", options.config.n_ctx, "Context size in tokens")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  }
}

Result<std::unique_ptr<engine::Session>> load_session(SessionOptions& options) {
  options.config.kv_type = options.kv_type_text == "q8_0"  ? kern::KvType::q8_0
                           : options.kv_type_text == "f32" ? kern::KvType::f32
                                                           : kern::KvType::f16;
  auto attention = attention_config(options.attention);
  if (!attention) return attention.error();
  options.config.attention = std::move(*attention);
  auto model = engine::Model::load(options.model);
  if (!model) return model.error();
  return engine::Session::create(std::move(*model), options.config);
}

}  // namespace quire::app
