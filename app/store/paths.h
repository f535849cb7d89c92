// Where Quire keeps its files: the database and KV snapshots (data), settings (config) and
// disposable caches (cache).
//
// Resolution, first match wins:
//   QUIRE_HOME=DIR      data = DIR, config = DIR/config, cache = DIR/cache (one self-contained tree,
//                       for tests, portable installs and CI)
//   XDG base dirs       data = $XDG_DATA_HOME/quire   (default ~/.local/share/quire)
//                       config = $XDG_CONFIG_HOME/quire (default ~/.config/quire)
//                       cache = $XDG_CACHE_HOME/quire  (default ~/.cache/quire)
// As the XDG spec says, relative XDG_* values are ignored. Without QUIRE_HOME and HOME, resolving
// fails with a message that says which variable to set.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "engine/base/result.h"

namespace quire::app {

struct Paths {
  std::filesystem::path data_dir;
  std::filesystem::path config_dir;
  std::filesystem::path cache_dir;

  std::filesystem::path database() const { return data_dir / "quire.db"; }
  std::filesystem::path snapshots_dir() const { return data_dir / "snapshots"; }
  std::filesystem::path settings_file() const { return config_dir / "quire.ini"; }
};

// Reads one environment variable; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_env(const char* name);

Result<Paths> resolve_paths(const EnvLookup& env = process_env);

// Creates the three directories (and parents) if missing.
Result<void> create_dirs(const Paths& paths);

}  // namespace quire::app
