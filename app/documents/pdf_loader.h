// PDFs through poppler-cpp: one segment per physical page (1-based `page`, and the printed
// `page_label` when the PDF's label for the page differs from its physical number, e.g. "iv"
// or "T-1"; poppler reports the number itself when there are no labels), text in poppler's
// reading order (the same layout
// mode as `pdftotext` without -layout/-raw). Each page's text is repaired: typographic
// ligatures (U+FB00..U+FB06) become their letters, and a word hyphenated across a line end
// ("exam-\nple") is joined ("example\n"). Pages without text (scanned images) keep an empty
// segment so page numbers stay exact.
//
// Errors: an encrypted PDF without the right password (ExtractOptions::password), a file that
// is not a PDF or is damaged, and a PDF with no text layer at all (OCR is not supported).
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>

#include "app/documents/extract.h"

namespace quire::app {

Result<Document> load_pdf(const std::filesystem::path& path, std::stop_token stop,
                          const ExtractOptions& options, const quire::ProgressSink& progress);

// The same, from a PDF already in memory (fuzzing, tests). `name` is used in messages.
Result<Document> load_pdf_bytes(std::string_view bytes, const std::string& name,
                                std::stop_token stop, const ExtractOptions& options,
                                const quire::ProgressSink& progress);

// The per-page repair on its own: ligatures expanded, line-end hyphenation joined, "\r\n" and
// form feeds turned into "\n", trailing whitespace trimmed; the result ends with "\n" unless
// it is empty.
std::string repair_pdf_text(std::string_view page_text);

}  // namespace quire::app
