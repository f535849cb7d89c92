// The attention options of every command that runs a model (through session_options.h) and of
// `inspect`: --attention, --tensor-dims, --tensor-variant, --tensor-rope, --tensor-extend,
// registered on a CLI11 subcommand and turned into an engine::AttentionConfig.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "engine/attention/attention_config.h"
#include "engine/base/result.h"

namespace quire::app {

// The option texts as typed; names are checked by CLI11, dims by attention_config().
struct AttentionOptions {
  std::string mode = "full";
  std::string dims;  // "AxBxC", coarsest first; empty: the model's or the default rule
  std::string variant = "complete";
  std::string rope = "local";
  std::string extend = "prepend";
};

void add_attention_options(CLI::App* cmd, AttentionOptions& options);

// Errors: invalid_argument naming --tensor-dims and what is wrong with it.
Result<engine::AttentionConfig> attention_config(const AttentionOptions& options);

}  // namespace quire::app
