#include "app/store/paths.h"

#include <cstdlib>
#include <system_error>

namespace quire::app {
namespace fs = std::filesystem;

std::optional<std::string> process_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

namespace {

// $VAR/quire when VAR is an absolute path, else $HOME/fallback/quire, else nullopt.
std::optional<fs::path> xdg_dir(const EnvLookup& env, const char* var, const char* fallback) {
  if (auto value = env(var); value && fs::path(*value).is_absolute()) return fs::path(*value) / "quire";
  if (auto home = env("HOME")) return fs::path(*home) / fallback / "quire";
  return std::nullopt;
}

}  // namespace

Result<Paths> resolve_paths(const EnvLookup& env) {
  if (auto home = env("QUIRE_HOME")) {
    const fs::path root = fs::absolute(fs::path(*home));
    return Paths{root, root / "config", root / "cache"};
  }
  auto data = xdg_dir(env, "XDG_DATA_HOME", ".local/share");
  auto config = xdg_dir(env, "XDG_CONFIG_HOME", ".config");
  auto cache = xdg_dir(env, "XDG_CACHE_HOME", ".cache");
  if (!data || !config || !cache) {
    return make_error(Errc::not_found,
                      "cannot tell where to keep Quire's data: HOME is not set; set QUIRE_HOME "
                      "to a folder Quire may use");
  }
  return Paths{*data, *config, *cache};
}

Result<void> create_dirs(const Paths& paths) {
  for (const fs::path& dir : {paths.data_dir, paths.config_dir, paths.cache_dir}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      const Errc code = ec == std::errc::permission_denied ? Errc::permission_denied
                        : ec == std::errc::no_space_on_device ? Errc::no_space
                                                               : Errc::io_error;
      return make_error(code, "cannot create folder {}: {}; choose another with QUIRE_HOME",
                        dir.string(), ec.message());
    }
  }
  return {};
}

}  // namespace quire::app
