// EPUB 2 and 3 books through libarchive: META-INF/container.xml names the package (OPF), whose
// spine gives the reading order; each spine document is XHTML turned into text (html_text.h),
// with one segment per heading section and the heading as `chapter` (text before a chapter's
// first heading takes the document's <title>, else the previous chapter's title).
//
// Safety: the archive may list at most ExtractOptions::max_archive_entries entries and unpack to
// at most max_total_bytes in all (counted while decompressing, so a zip bomb whose headers lie
// is stopped too); only text entries (XHTML, HTML, XML, OPF, NCX) are unpacked. Paths in the
// package are resolved inside the archive only; one that climbs out ("../") is refused.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>

#include "app/documents/extract.h"

namespace quire::app {

Result<Document> load_epub(const std::filesystem::path& path, std::stop_token stop,
                           const ExtractOptions& options, const quire::ProgressSink& progress);

// The same, from an EPUB in memory (fuzzing, tests). `name` is used in messages.
Result<Document> load_epub_bytes(std::string_view bytes, const std::string& name,
                                 std::stop_token stop, const ExtractOptions& options,
                                 const quire::ProgressSink& progress);

}  // namespace quire::app
