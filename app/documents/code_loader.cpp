#include "app/documents/code_loader.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "app/documents/file_bytes.h"
#include "app/documents/gitignore.h"
#include "app/documents/text_encoding.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

struct Entry {
  std::string name;
  fs::path path;
};

struct Walk {
  fs::path root;        // canonical
  const ExtractOptions& options;
  std::stop_token stop;
  GitignoreRules rules;
  Document doc;
  std::vector<std::pair<std::string, fs::path>> files;  // (relative path, absolute path) to read
  bool stopped = false;

  void skip(std::string rel, std::string reason) {
    doc.skipped.push_back({std::move(rel), std::move(reason)});
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
      stopped = true;
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec) {
      skip(rel.empty() ? "." : rel, "unreadable folder: " + ec.message());
      return;
    }
    std::vector<Entry> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      entries.push_back({it->path().filename().string(), it->path()});
    }
    if (ec) skip(rel.empty() ? "." : rel, "folder listing failed part way: " + ec.message());
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });

    // This folder's .gitignore applies to everything below it, so read it first.
    for (const Entry& e : entries) {
      if (e.name != ".gitignore") continue;
      auto content = read_file_bytes(e.path, 1 << 20);
      if (content) rules.add(*content, rel);
    }
    for (const Entry& e : entries) {
      const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
      const fs::file_status link = fs::symlink_status(e.path, ec);
      const bool is_link = fs::is_symlink(link);
      const fs::file_status target = fs::status(e.path, ec);
      if (is_link && ec) {
        skip(child, "broken symbolic link");
        continue;
      }
      const bool is_dir = fs::is_directory(target);
      if (rules.ignored(child, is_dir)) {
        skip(child, "ignored by .gitignore");
        continue;
      }
      if (is_dir) {
        if (is_skipped_folder_name(e.name)) {
          skip(child, "version-control, vendored or build folder");
        } else if (is_link) {
          skip(child, "symbolic link to a folder (not followed)");
        } else if (depth + 1 > options.max_depth) {
          skip(child, fmt::format("nested deeper than {} folders", options.max_depth));
        } else {
          visit(e.path, child, depth + 1);
          if (stopped) return;
        }
        continue;
      }
      if (!fs::is_regular_file(target)) {
        skip(child, "not a regular file (device, pipe or socket)");
        continue;
      }
      if (is_link && !inside_root(e.path)) {
        skip(child, "symbolic link to a file outside the chosen folder");
        continue;
      }
      if (int(files.size()) >= options.max_files) {
        skip(child, fmt::format("past the limit of {} files", options.max_files));
        continue;
      }
      files.emplace_back(child, e.path);
    }
  }
};

void append_file_segments(Document& doc, const std::string& rel, std::string_view text) {
  size_t pos = 0;
  int line = 1;
  while (pos < text.size()) {
    Segment s;
    s.file = rel;
    s.line_start = line;
    s.char_begin = int64_t(doc.text.size());
    size_t end = pos;
    int lines = 0;
    while (end < text.size() && lines < kCodeBlockLines) {
      const size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
      ++lines;
    }
    doc.text.append(text.substr(pos, end - pos));
    if (doc.text.back() != '\n') doc.text.push_back('\n');  // every segment ends a line
    s.char_end = int64_t(doc.text.size());
    s.line_end = line + lines - 1;
    line += lines;
    pos = end;
    doc.segments.push_back(std::move(s));
  }
}

}  // namespace

bool is_skipped_folder_name(std::string_view name) {
  static constexpr std::array<std::string_view, 18> kNames = {
      ".git",   ".hg",         ".svn",     "node_modules", "vendor",       "third_party",
      "build",  "dist",        "target",   "__pycache__",  ".venv",        "venv",
      ".tox",   ".mypy_cache", ".gradle",  ".idea",        "CMakeFiles",   ".cache"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end() ||
         name.starts_with("build-") || name.starts_with("cmake-build-");
}

std::string_view language_for_path(std::string_view rel_path) {
  const size_t slash = rel_path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1);
  if (name == "CMakeLists.txt") return "CMake";
  if (name == "Makefile" || name == "GNUmakefile") return "Makefile";
  if (name == "Dockerfile") return "Dockerfile";
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "text";
  const std::string_view ext = name.substr(dot + 1);
  static constexpr std::pair<std::string_view, std::string_view> kByExt[] = {
      {"c", "C"},          {"h", "C/C++ header"}, {"cc", "C++"},      {"cpp", "C++"},
      {"cxx", "C++"},      {"hpp", "C++"},        {"hh", "C++"},      {"cu", "CUDA"},
      {"cuh", "CUDA"},     {"py", "Python"},      {"rs", "Rust"},     {"go", "Go"},
      {"java", "Java"},    {"kt", "Kotlin"},      {"js", "JavaScript"}, {"mjs", "JavaScript"},
      {"ts", "TypeScript"}, {"tsx", "TypeScript"}, {"jsx", "JavaScript"}, {"rb", "Ruby"},
      {"php", "PHP"},      {"cs", "C#"},          {"swift", "Swift"}, {"m", "Objective-C"},
      {"scala", "Scala"},  {"sh", "Shell"},       {"bash", "Shell"},  {"zsh", "Shell"},
      {"pl", "Perl"},      {"lua", "Lua"},        {"r", "R"},         {"sql", "SQL"},
      {"html", "HTML"},    {"htm", "HTML"},       {"css", "CSS"},     {"scss", "SCSS"},
      {"xml", "XML"},      {"json", "JSON"},      {"yaml", "YAML"},   {"yml", "YAML"},
      {"toml", "TOML"},    {"ini", "INI"},        {"md", "Markdown"}, {"rst", "reStructuredText"},
      {"txt", "text"},     {"cmake", "CMake"},    {"proto", "Protocol Buffers"},
      {"hs", "Haskell"},   {"ml", "OCaml"},       {"ex", "Elixir"},   {"erl", "Erlang"},
      {"zig", "Zig"},      {"dart", "Dart"},      {"vue", "Vue"},     {"tex", "LaTeX"}};
  for (const auto& [e, lang] : kByExt) {
    if (e == ext) return lang;
  }
  return "text";
}

Result<Document> load_code_folder(const fs::path& folder, std::stop_token stop,
                                  const ExtractOptions& options,
                                  const quire::ProgressSink& progress) {
  std::error_code ec;
  const fs::path root = fs::canonical(folder, ec);
  if (ec) return make_error(Errc::not_found, "{}: cannot open the folder: {}", folder.string(), ec.message());
  Walk walk{root, options, stop, {}, {}, {}, false};
  walk.doc.kind = "code";
  walk.doc.title = root.filename().string();
  walk.visit(root, "", 0);
  if (walk.stopped) return cancelled_error("listing " + folder.string());

  Document& doc = walk.doc;
  ProgressTracker tracker("ingest", "files", int64_t(walk.files.size()), progress);
  for (const auto& [rel, path] : walk.files) {
    if (stop.stop_requested()) return cancelled_error("reading " + folder.string());
    tracker.advance();
    std::error_code size_ec;
    const auto size = fs::file_size(path, size_ec);
    if (!size_ec && int64_t(size) > options.max_code_file_bytes) {
      walk.skip(rel, fmt::format("{}, over the {} size cap", format_bytes(int64_t(size)),
                                 format_bytes(options.max_code_file_bytes)));
      continue;
    }
    auto bytes = read_file_bytes(path, options.max_code_file_bytes);
    if (!bytes) {
      walk.skip(rel, "unreadable: " + bytes.error().message);
      continue;
    }
    if (looks_binary(*bytes)) {
      walk.skip(rel, "binary file");
      continue;
    }
    std::string text = decode_text(*bytes).utf8;
    if (int64_t(doc.text.size() + text.size()) > options.max_total_bytes) {
      walk.skip(rel, fmt::format("past the {} total text cap", format_bytes(options.max_total_bytes)));
      continue;
    }
    append_file_segments(doc, rel, text);
  }
  tracker.finish();
  return std::move(walk.doc);
}

}  // namespace quire::app
