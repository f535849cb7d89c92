// HTML files: the text of the page (html_text.h), one segment per heading section with the
// heading as `chapter` (text before the first heading has an empty chapter). The title is the
// <title>, else the first heading, else the file name.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string_view>

#include "app/documents/extract.h"
#include "app/documents/html_text.h"

namespace quire::app {

Result<Document> load_html(const std::filesystem::path& path, std::stop_token stop,
                           const ExtractOptions& options);

// Appends `page`'s text to `doc` with one segment per heading section. Sections before the
// first heading take `chapter_before_headings`.
void append_html_sections(Document& doc, const HtmlText& page,
                          std::string_view chapter_before_headings);

}  // namespace quire::app
