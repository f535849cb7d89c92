// `quire-cli models [--json] [--folder DIR]...`: the GGUF models found in the user's folders,
// Ollama's store, LM Studio and GPT4All (models/discovery.h), listed in place.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/models/discovery.h"

namespace quire::app {
namespace {

std::string human(double n, const char* const* units, double step) {
  int u = 0;
  while (n >= step && units[u + 1] != nullptr) n /= step, ++u;
  return u == 0 ? fmt::format("{:.0f}{}", n, units[0]) : fmt::format("{:.1f}{}", n, units[u]);
}

struct ModelsOptions {
  bool json = false;
  std::vector<std::string> folders;
};

int run_models(const ModelsOptions& opts) {
  DiscoveryOptions d = default_discovery_options();
  for (const std::string& f : opts.folders) d.user_folders.emplace_back(f);
  auto found = discover_models(d);
  if (!found) return report_error(found.error());
  if (opts.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const DiscoveredModel& m : *found) {
      out.push_back({{"name", m.name}, {"source", m.source}, {"path", m.path.string()},
                     {"bytes", m.bytes}, {"architecture", m.architecture},
                     {"parameters", m.parameters}, {"quant", m.quant},
                     {"context_length", m.context_length}, {"problem", m.problem}});
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  if (found->empty()) {
    fmt::print("no GGUF models found; put .gguf files in ~/models or pass --folder DIR\n");
    return kExitOk;
  }
  static const char* const kCount[] = {"", "K", "M", "B", "T", nullptr};
  static const char* const kBytes[] = {" B", " KiB", " MiB", " GiB", " TiB", nullptr};
  fmt::print("{:<32} {:<9} {:<8} {:>7} {:<6} {:>7} {:>10}  {}\n", "NAME", "SOURCE", "ARCH",
             "PARAMS", "QUANT", "CTX", "SIZE", "PATH");
  for (const DiscoveredModel& m : *found) {
    fmt::print("{:<32} {:<9} {:<8} {:>7} {:<6} {:>7} {:>10}  {}\n", m.name, m.source,
               m.architecture.empty() ? "-" : m.architecture,
               m.parameters > 0 ? human(double(m.parameters), kCount, 1000.0) : "-",
               m.quant.empty() ? "-" : m.quant,
               m.context_length > 0 ? std::to_string(m.context_length) : "-",
               human(double(m.bytes), kBytes, 1024.0), m.path.string());
    if (!m.problem.empty()) fmt::print("    unusable: {}\n", m.problem);
  }
  return kExitOk;
}

}  // namespace

void add_models_command(CLI::App& root, CommandRun& run) {
  auto opts = std::make_shared<ModelsOptions>();
  CLI::App* cmd = root.add_subcommand(
      "models", "List GGUF models in your folders, Ollama, LM Studio and GPT4All (not copied)");
  cmd->add_flag("--json", opts->json, "Print a JSON array");
  cmd->add_option("--folder", opts->folders, "Also search this folder (repeatable)");
  cmd->parse_complete_callback([&run, opts] { run = [opts] { return run_models(*opts); }; });
}

}  // namespace quire::app
