// Options shared by the commands that run a model (generate, perplexity, bench): the model file
// and the session settings, registered on a CLI11 subcommand, and the loading of both with
// errors printed for a person.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "app/cli/attention_options.h"
#include "app/cli/exit_codes.h"
#include "engine/base/result.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"

namespace quire::app {

struct SessionOptions {
  std::string model;             // GGUF path
  engine::SessionConfig config;  // kv_type set from kv_type_text by load_session
  std::string kv_type_text = "f16";
  AttentionOptions attention;  // config.attention set from it by load_session
};

// Adds --model (required), --threads, --kv-type, the attention options (attention_options.h)
// and, when with_ctx, --ctx to `cmd`.
void add_session_options(CLI::App* cmd, SessionOptions& options, bool with_ctx);

// Loads the model and creates a session with options.config (kv_type and attention parsed from
// the texts).
Result<std::unique_ptr<engine::Session>> load_session(SessionOptions& options);

}  // namespace quire::app
