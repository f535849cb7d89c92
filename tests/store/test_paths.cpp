#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "app/store/paths.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

TEST(Paths, QuireHomeOverridesEverything) {
  auto p = resolve_paths(fake_env({{"QUIRE_HOME", "/srv/q"}, {"HOME", "/home/a"},
                                   {"XDG_DATA_HOME", "/x/data"}}));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->data_dir, fs::path("/srv/q"));
  EXPECT_EQ(p->config_dir, fs::path("/srv/q/config"));
  EXPECT_EQ(p->cache_dir, fs::path("/srv/q/cache"));
  EXPECT_EQ(p->database(), fs::path("/srv/q/quire.db"));
  EXPECT_EQ(p->snapshots_dir(), fs::path("/srv/q/snapshots"));
}

TEST(Paths, XdgDefaultsUnderHome) {
  auto p = resolve_paths(fake_env({{"HOME", "/home/a"}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->data_dir, fs::path("/home/a/.local/share/quire"));
  EXPECT_EQ(p->config_dir, fs::path("/home/a/.config/quire"));
  EXPECT_EQ(p->cache_dir, fs::path("/home/a/.cache/quire"));
}

TEST(Paths, XdgVariablesWinButRelativeOnesAreIgnored) {
  auto p = resolve_paths(fake_env({{"HOME", "/home/a"},
                                   {"XDG_DATA_HOME", "/data"},
                                   {"XDG_CONFIG_HOME", "relative/conf"},
                                   {"XDG_CACHE_HOME", "/tmp/c"}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->data_dir, fs::path("/data/quire"));
  EXPECT_EQ(p->config_dir, fs::path("/home/a/.config/quire"));
  EXPECT_EQ(p->cache_dir, fs::path("/tmp/c/quire"));
}

TEST(Paths, NoHomeIsAnActionableError) {
  auto p = resolve_paths(fake_env({}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, Errc::not_found);
  EXPECT_NE(p.error().message.find("QUIRE_HOME"), std::string::npos);
}

TEST(Paths, CreateDirsMakesThemAndReportsFailures) {
  const fs::path root = fs::temp_directory_path() / ("quire-paths-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto p = resolve_paths(fake_env({{"QUIRE_HOME", root.string()}}));
  ASSERT_TRUE(p);
  ASSERT_TRUE(create_dirs(*p));
  EXPECT_TRUE(fs::is_directory(p->config_dir));
  EXPECT_TRUE(fs::is_directory(p->cache_dir));

  // A regular file where a folder must go cannot be turned into a folder.
  const fs::path blocker = root / "blocker";
  { std::ofstream(blocker) << "x"; }
  Paths bad{blocker / "data", blocker / "config", blocker / "cache"};
  auto made = create_dirs(bad);
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("QUIRE_HOME"), std::string::npos);
  fs::remove_all(root);
}

}  // namespace
}  // namespace quire::app
