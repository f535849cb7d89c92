// HTML and XHTML to plain text, for HTML files and EPUB chapters. A forgiving scanner, not a
// DOM: it never fails, whatever the input. Block elements (p, div, li, h1-h6, tr, ...) become
// line breaks, inline whitespace collapses to one space (kept verbatim inside <pre>), script,
// style and other non-text elements are dropped, character references (&amp; &#233; &#xE9;
// and the common named ones) are decoded. Headings are reported with their offsets so that
// callers can cut the text into chapter/section segments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quire::app {

struct HtmlHeading {
  int64_t offset = 0;  // byte offset in HtmlText::text where the heading's text starts
  int level = 1;       // 1..6
  std::string text;
};

struct HtmlText {
  std::string text;   // UTF-8 (when the input is UTF-8); paragraphs separated by "\n\n"
  std::string title;  // the <title> element's text, empty when absent
  std::vector<HtmlHeading> headings;  // in document order
};

HtmlText html_to_text(std::string_view html);

}  // namespace quire::app
