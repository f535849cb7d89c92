#include "app/documents/text_loader.h"

#include <utility>
#include <vector>

#include "app/documents/file_bytes.h"
#include "app/documents/text_encoding.h"

namespace quire::app {
namespace {

struct Line {
  int64_t begin = 0;  // byte offset of the first character
  int64_t end = 0;    // one past the newline (or the end of the text)
  std::string_view content;  // without the newline
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    const size_t content_end = nl == std::string_view::npos ? text.size() : nl;
    lines.push_back({int64_t(pos), int64_t(end), text.substr(pos, content_end - pos)});
    pos = end;
  }
  return lines;
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

// "## Title ##" -> "Title"; empty when the line is not an ATX heading.
std::string atx_heading(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t level = 0;
  while (i + level < line.size() && line[i + level] == '#') ++level;
  if (level == 0 || level > 6) return {};
  std::string_view rest = line.substr(i + level);
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t') return {};
  const size_t b = rest.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  rest = rest.substr(b);
  size_t e = rest.find_last_not_of(" \t\r");
  rest = rest.substr(0, e + 1);
  const size_t hashes = rest.find_last_not_of('#');
  if (hashes != std::string_view::npos && hashes + 1 < rest.size() &&
      (rest[hashes] == ' ' || rest[hashes] == '\t')) {
    rest = rest.substr(0, rest.find_last_not_of(" \t", hashes) + 1);
  }
  return std::string(rest);
}

bool is_fence(std::string_view line) {
  const size_t b = line.find_first_not_of(' ');
  if (b == std::string_view::npos || b > 3) return false;
  return line.substr(b).starts_with("```") || line.substr(b).starts_with("~~~");
}

}  // namespace

Document segment_text(std::string utf8, bool markdown) {
  Document doc;
  doc.kind = markdown ? "markdown" : "text";
  doc.text = std::move(utf8);
  const std::vector<Line> lines = split_lines(doc.text);
  if (lines.empty()) return doc;

  auto close = [&](size_t first, size_t last_exclusive, std::string chapter) {
    if (first >= last_exclusive) return;
    Segment s;
    s.char_begin = lines[first].begin;
    s.char_end = lines[last_exclusive - 1].end;
    s.line_start = int(first + 1);
    s.line_end = int(last_exclusive);
    s.chapter = std::move(chapter);
    doc.segments.push_back(std::move(s));
  };

  size_t start = 0;
  if (markdown) {
    std::string chapter;
    bool in_fence = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (is_fence(lines[i].content)) in_fence = !in_fence;
      if (in_fence) continue;
      std::string heading = atx_heading(lines[i].content);
      if (heading.empty()) continue;
      close(start, i, chapter);
      if (doc.title.empty()) doc.title = heading;
      chapter = std::move(heading);
      start = i;
    }
    close(start, lines.size(), chapter);
    return doc;
  }
  // Plain text: cut after a blank line once a block holds half its budget, or hard at the cap.
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t held = i + 1 - start;
    if (held >= size_t(kTextBlockLines) ||
        (held >= size_t(kTextBlockLines / 2) && is_blank(lines[i].content))) {
      close(start, i + 1, {});
      start = i + 1;
    }
  }
  close(start, lines.size(), {});
  return doc;
}

Result<Document> load_text(const std::filesystem::path& path, bool markdown, std::stop_token stop,
                           const ExtractOptions& options) {
  auto bytes = read_file_bytes(path, options.max_file_bytes);
  if (!bytes) return bytes.error();
  if (stop.stop_requested()) return cancelled_error("reading " + path.string());
  if (looks_binary(*bytes)) {
    return make_error(Errc::unsupported,
                      "{}: looks like a binary file (it holds NUL bytes), not text; open a PDF, "
                      "EPUB, text, Markdown or HTML file",
                      path.string());
  }
  DecodedText decoded = decode_text(*bytes);
  if (int64_t(decoded.utf8.size()) > options.max_total_bytes) {
    return make_error(Errc::unsupported, "{}: {} of text is more than the {} limit for one document",
                      path.string(), format_bytes(int64_t(decoded.utf8.size())),
                      format_bytes(options.max_total_bytes));
  }
  Document doc = segment_text(std::move(decoded.utf8), markdown);
  if (doc.title.empty()) doc.title = path.stem().string();
  return doc;
}

}  // namespace quire::app
