#include "app/documents/html_loader.h"

#include <algorithm>

#include "app/documents/file_bytes.h"
#include "app/documents/text_encoding.h"

namespace quire::app {

void append_html_sections(Document& doc, const HtmlText& page,
                          std::string_view chapter_before_headings) {
  const int64_t base = int64_t(doc.text.size());
  doc.text += page.text;
  auto add = [&](int64_t begin, int64_t end, std::string_view chapter) {
    if (begin >= end) return;
    Segment s;
    s.char_begin = base + begin;
    s.char_end = base + end;
    s.chapter = std::string(chapter);
    doc.segments.push_back(std::move(s));
  };
  const int64_t n = int64_t(page.text.size());
  int64_t at = 0;
  std::string_view chapter = chapter_before_headings;
  for (const HtmlHeading& h : page.headings) {
    add(at, h.offset, chapter);
    at = std::max(at, h.offset);
    chapter = h.text;
  }
  add(at, n, chapter);
}

Result<Document> load_html(const std::filesystem::path& path, std::stop_token stop,
                           const ExtractOptions& options) {
  auto bytes = read_file_bytes(path, options.max_file_bytes);
  if (!bytes) return bytes.error();
  if (stop.stop_requested()) return cancelled_error("reading " + path.string());
  if (looks_binary(*bytes)) {
    return make_error(Errc::unsupported, "{}: holds NUL bytes; it is not an HTML file", path.string());
  }
  const HtmlText page = html_to_text(decode_text(*bytes).utf8);
  if (int64_t(page.text.size()) > options.max_total_bytes) {
    return make_error(Errc::unsupported, "{}: {} of text is more than the {} limit for one document",
                      path.string(), format_bytes(int64_t(page.text.size())),
                      format_bytes(options.max_total_bytes));
  }
  Document doc;
  doc.kind = "html";
  doc.title = !page.title.empty()           ? page.title
              : !page.headings.empty()      ? page.headings.front().text
                                            : path.stem().string();
  append_html_sections(doc, page, "");
  return doc;
}

}  // namespace quire::app
