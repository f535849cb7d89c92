// A document as Quire reads it: its whole text plus a segment map from byte ranges of that text
// to where they came from (page, chapter, file:line). Loaders produce it (extract.h); the store
// keeps it; the context builder turns it into tokens with a token -> segment map.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quire::app {

struct Segment {
  int64_t char_begin = 0;  // byte offsets into Document::text, [char_begin, char_end)
  int64_t char_end = 0;
  std::optional<int> page;  // 1-based physical page (PDF)
  std::string page_label;   // the page's printed label when the PDF has one ("iv", "12")
  std::string chapter;      // chapter or section title (EPUB, HTML, Markdown)
  std::string file;         // path relative to the chosen folder (code)
  int line_start = 0;       // 1-based, inclusive (code)
  int line_end = 0;
};

// Something a folder loader did not read, and why ("binary file", "over the 4 MiB size cap").
struct Skipped {
  std::string path;
  std::string reason;
};

struct Document {
  std::string kind;  // pdf | epub | text | markdown | html | code
  std::string title;
  std::string path;  // as given by the user, absolute
  std::string text;  // UTF-8
  int pages = 0;     // PDFs: page count; 0 otherwise
  std::vector<Segment> segments;  // in document order, covering text without overlap
  std::vector<Skipped> skipped;   // folders only
};

}  // namespace quire::app
