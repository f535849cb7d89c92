#include "app/documents/code_loader.h"

#include <fmt/format.h>

#include <utility>

#include "app/documents/file_bytes.h"
#include "app/documents/folder_walk.h"
#include "app/documents/text_encoding.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

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
  FolderWalk walk = walk_folder(root, options, /*skip_hidden=*/false, stop);
  if (walk.stopped) return cancelled_error("listing " + folder.string());

  Document doc;
  doc.kind = "code";
  doc.title = root.filename().string();
  doc.skipped = std::move(walk.skipped);
  auto skip = [&doc](const std::string& rel, std::string reason) {
    doc.skipped.push_back({rel, std::move(reason)});
  };
  ProgressTracker tracker("ingest", "files", int64_t(walk.files.size()), progress);
  for (const auto& [rel, path] : walk.files) {
    if (stop.stop_requested()) return cancelled_error("reading " + folder.string());
    tracker.advance();
    std::error_code size_ec;
    const auto size = fs::file_size(path, size_ec);
    if (!size_ec && int64_t(size) > options.max_code_file_bytes) {
      skip(rel, fmt::format("{}, over the {} size cap", format_bytes(int64_t(size)),
                                 format_bytes(options.max_code_file_bytes)));
      continue;
    }
    auto bytes = read_file_bytes(path, options.max_code_file_bytes);
    if (!bytes) {
      skip(rel, "unreadable: " + bytes.error().message);
      continue;
    }
    if (looks_binary(*bytes)) {
      skip(rel, "binary file");
      continue;
    }
    std::string text = decode_text(*bytes).utf8;
    if (int64_t(doc.text.size() + text.size()) > options.max_total_bytes) {
      skip(rel, fmt::format("past the {} total text cap", format_bytes(options.max_total_bytes)));
      continue;
    }
    append_file_segments(doc, rel, text);
  }
  tracker.finish();
  return doc;
}

}  // namespace quire::app
