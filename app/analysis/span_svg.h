// Inline SVG pictures of a span report for self-contained HTML exports: no scripts, no external
// references, text escaped. Darker cells and longer bars mean more attention mass; each shape
// carries a <title> with its label and percentage (the browser's tooltip).
#pragma once

#include <string>
#include <string_view>

#include "app/analysis/span_report.h"

namespace quire::app {

// Attention over one document. pages > 0 (a PDF): a strip of `pages` cells, cell k for page k+1.
// Otherwise one horizontal bar per page/file/chapter group of `document` in document order,
// at most 40 (the largest; a note says how many were left out).
std::string heatmap_svg(const SpanReport& report, int32_t document, int pages);

// The distance histogram: one bar per log2 bucket, labelled with its distance range.
std::string histogram_svg(const SpanReport& report);

// Text for XML/HTML content and attribute values: & < > " ' escaped.
std::string xml_escape(std::string_view text);

}  // namespace quire::app
