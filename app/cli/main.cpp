// quire-cli: every Quire feature from a terminal or a script. Parses the command line, sets up
// logging, and runs the chosen subcommand (commands.h). Exit codes: exit_codes.h.
#include <fmt/format.h>

#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/base/log.h"
#include "quire/version.h"

namespace {

std::string version_text() {
#ifdef QUIRE_HAVE_CUDA
  const char* backends = "cpu, cuda";
#else
  const char* backends = "cpu";
#endif
  return fmt::format("quire-cli {}\nbackends: {}", quire::kVersion, backends);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace quire;
  CLI::App root{"Quire: ask whole books, PDFs and codebases questions with a local Llama model.",
                "quire-cli"};
  root.set_version_flag("--version", version_text());
  root.require_subcommand(1);
  root.footer(
      "Data lives under the XDG data folder (~/.local/share/quire); QUIRE_HOME=DIR keeps "
      "everything in DIR.\nLogging: -v/-vv or QUIRE_LOG=trace|debug|info|warn|error|off.");
  int verbosity = 0;
  bool quiet = false;
  root.add_flag("-v,--verbose", verbosity, "More log output (repeat for more)");
  root.add_flag("-q,--quiet", quiet, "Only errors on stderr");

  app::CommandRun run;
  app::add_paths_command(root, run);
  app::add_inspect_command(root, run);
  app::add_ingest_command(root, run);
  app::add_docs_command(root, run);
  app::add_search_command(root, run);
  app::add_generate_command(root, run);
  app::add_perplexity_command(root, run);
  app::add_bench_command(root, run);
  app::add_debug_command(root, run);
  app::add_tokenize_command(root, run);
  app::add_logits_command(root, run);
  app::add_models_command(root, run);
  app::add_export_command(root, run);
  app::add_ask_command(root, run);
  app::add_chat_command(root, run);
  app::add_sessions_command(root, run);
  app::add_report_command(root, run);
  app::add_batch_command(root, run);
  app::add_convert_command(root, run);

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    root.exit(e);
    return app::kExitUsage;
  }

  if (quiet) {
    log::set_level(log::Level::error);
  } else if (verbosity > 0) {
    log::set_level(verbosity >= 2 ? log::Level::trace : log::Level::debug);
  }
  return run ? run() : app::kExitUsage;
}
