// Plain text and Markdown files. The bytes are decoded (text_encoding.h) and split into
// segments with 1-based line ranges: Markdown at its ATX headings ("# Title", outside code
// fences; the heading becomes the segment's `chapter`), plain text at blank lines into blocks of
// at most kTextBlockLines lines, so that citations point at a few lines, not the whole file.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>

#include "app/documents/extract.h"

namespace quire::app {

inline constexpr int kTextBlockLines = 60;

// `markdown` selects heading-based segments and kind "markdown"; otherwise kind "text".
Result<Document> load_text(const std::filesystem::path& path, bool markdown, std::stop_token stop,
                           const ExtractOptions& options);

// The segmentation on its own, for text already in memory (UTF-8, as decode_text returns it).
// Sets kind, text and segments; title is the first Markdown heading, else empty.
Document segment_text(std::string utf8, bool markdown);

}  // namespace quire::app
