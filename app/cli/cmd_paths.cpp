// `quire-cli paths [--json]`: where Quire keeps its database, snapshots, settings and caches.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/store/paths.h"

namespace quire::app {

void add_paths_command(CLI::App& root, CommandRun& run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = root.add_subcommand(
      "paths", "Show where Quire keeps its data, settings and caches (QUIRE_HOME overrides)");
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->parse_complete_callback([&run, json] {
    run = [json]() -> int {
      auto paths = resolve_paths();
      if (!paths) return report_error(paths.error());
      if (*json) {
        const nlohmann::json out = {{"data_dir", paths->data_dir.string()},
                                    {"config_dir", paths->config_dir.string()},
                                    {"cache_dir", paths->cache_dir.string()},
                                    {"database", paths->database().string()},
                                    {"snapshots_dir", paths->snapshots_dir().string()},
                                    {"settings_file", paths->settings_file().string()}};
        fmt::print("{}\n", out.dump(2));
      } else {
        fmt::print("data      {}\nconfig    {}\ncache     {}\ndatabase  {}\nsnapshots {}\n",
                   paths->data_dir.string(), paths->config_dir.string(),
                   paths->cache_dir.string(), paths->database().string(),
                   paths->snapshots_dir().string());
      }
      return kExitOk;
    };
  });
}

}  // namespace quire::app
