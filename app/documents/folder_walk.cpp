#include "app/documents/folder_walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "app/documents/file_bytes.h"
#include "app/documents/gitignore.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

struct Walker {
  const fs::path& root;
  const ExtractOptions& options;
  bool skip_hidden;
  std::stop_token stop;
  GitignoreRules rules;
  FolderWalk out;

  void skip(std::string rel, std::string reason) {
    out.skipped.push_back({std::move(rel), std::move(reason)});
  }

  bool inside_root(const fs::path& p) const {
    std::error_code ec;
    const fs::path target = fs::canonical(p, ec);
    if (ec) return false;
    auto [root_end, unused] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    (void)unused;
    return root_end == root.end();
  }

  // Collects the files under `dir` (relative path `rel`, "" at the root) in sorted order.
  void visit(const fs::path& dir, const std::string& rel, int depth) {
    if (stop.stop_requested()) {
      out.stopped = true;
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec) {
      skip(rel.empty() ? "." : rel, "unreadable folder: " + ec.message());
      return;
    }
    std::vector<std::pair<std::string, fs::path>> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.emplace_back(it->path().filename().string(), it->path());
    }
    if (ec) skip(rel.empty() ? "." : rel, "folder listing failed part way: " + ec.message());
    std::sort(entries.begin(), entries.end());
    // This folder's .gitignore applies to everything below it, so it is read first.
    for (const auto& [name, path] : entries) {
      if (name != ".gitignore") continue;
      if (auto content = read_file_bytes(path, 1 << 20)) rules.add(*content, rel);
    }
    for (const auto& [name, path] : entries) {
      const std::string child = rel.empty() ? name : rel + "/" + name;
      const bool is_link = fs::is_symlink(fs::symlink_status(path, ec));
      const fs::file_status target = fs::status(path, ec);
      if (is_link && ec) {
        skip(child, "broken symbolic link");
        continue;
      }
      const bool is_dir = fs::is_directory(target);
      if (rules.ignored(child, is_dir)) {
        skip(child, "ignored by .gitignore");
      } else if (skip_hidden && name.starts_with('.')) {
        skip(child, is_dir ? "hidden folder" : "hidden file");
      } else if (is_dir) {
        if (is_skipped_folder_name(name)) {
          skip(child, "version-control, vendored or build folder");
        } else if (is_link) {
          skip(child, "symbolic link to a folder (not followed)");
        } else if (depth + 1 > options.max_depth) {
          skip(child, fmt::format("nested deeper than {} folders", options.max_depth));
        } else {
          visit(path, child, depth + 1);
          if (out.stopped) return;
        }
      } else if (!fs::is_regular_file(target)) {
        skip(child, "not a regular file (device, pipe or socket)");
      } else if (is_link && !inside_root(path)) {
        skip(child, "symbolic link to a file outside the chosen folder");
      } else if (int(out.files.size()) >= options.max_files) {
        skip(child, fmt::format("past the limit of {} files", options.max_files));
      } else {
        out.files.push_back({child, path});
      }
    }
  }
};

}  // namespace

bool is_skipped_folder_name(std::string_view name) {
  static constexpr std::array<std::string_view, 18> kNames = {
      ".git",   ".hg",         ".svn",     "node_modules", "vendor",       "third_party",
      "build",  "dist",        "target",   "__pycache__",  ".venv",        "venv",
      ".tox",   ".mypy_cache", ".gradle",  ".idea",        "CMakeFiles",   ".cache"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end() ||
         name.starts_with("build-") || name.starts_with("cmake-build-");
}

FolderWalk walk_folder(const fs::path& root, const ExtractOptions& options, bool skip_hidden,
                       std::stop_token stop) {
  Walker walker{root, options, skip_hidden, std::move(stop), {}, {}};
  walker.visit(root, "", 0);
  return std::move(walker.out);
}

}  // namespace quire::app
