// quire-cli's subcommands. Each add_*_command registers one subcommand on the root CLI11 app;
// when the command line selects it, its options are parsed into state it owns and `run` is set
// to the function that executes it and returns the process exit code (exit_codes.h).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace quire::app {

using CommandRun = std::function<int()>;

void add_paths_command(CLI::App& root, CommandRun& run);
void add_inspect_command(CLI::App& root, CommandRun& run);
void add_ingest_command(CLI::App& root, CommandRun& run);
void add_generate_command(CLI::App& root, CommandRun& run);
void add_perplexity_command(CLI::App& root, CommandRun& run);
void add_bench_command(CLI::App& root, CommandRun& run);
void add_debug_command(CLI::App& root, CommandRun& run);
void add_tokenize_command(CLI::App& root, CommandRun& run);
void add_logits_command(CLI::App& root, CommandRun& run);

void add_docs_command(CLI::App& root, CommandRun& run);
void add_search_command(CLI::App& root, CommandRun& run);
void add_models_command(CLI::App& root, CommandRun& run);
void add_export_command(CLI::App& root, CommandRun& run);
void add_ask_command(CLI::App& root, CommandRun& run);
void add_chat_command(CLI::App& root, CommandRun& run);
void add_sessions_command(CLI::App& root, CommandRun& run);
void add_report_command(CLI::App& root, CommandRun& run);
void add_batch_command(CLI::App& root, CommandRun& run);
void add_convert_command(CLI::App& root, CommandRun& run);

}  // namespace quire::app
