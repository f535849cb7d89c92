// extract(): turns a file or folder a person chose into a Document (document.h). It picks the
// loader by what the path is (folder -> code; otherwise by the file's first bytes, then by its
// extension) and enforces the size and safety limits below, so that a hostile or huge input
// gives a clear error instead of exhausting memory or disk.
//
// Threads: extract() runs on the calling (worker) thread; the progress sink runs there too.
// Cancellation: `stop` is checked between pages / files / chapters; a stopped extraction returns
// Errc::cancelled and no partial document.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>

#include "app/documents/document.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"

namespace quire::app {

struct ExtractOptions {
  // PDFs: tried as both the user and the owner password of an encrypted file.
  std::string password;
  // Largest single file read (a PDF, an EPUB, a text file). Larger ones are refused, not cut.
  int64_t max_file_bytes = int64_t{1} << 30;
  // Largest amount of text one Document may hold, and the most bytes an EPUB may unpack to
  // (the zip-bomb guard). Folders skip, and report, the files past it.
  int64_t max_total_bytes = int64_t{256} << 20;
  // Code folders: files larger than this are skipped and reported.
  int64_t max_code_file_bytes = int64_t{4} << 20;
  // Code folders: the most files read and the deepest folder nesting followed.
  int max_files = 50000;
  int max_depth = 64;
  // EPUBs: the most entries an archive may list.
  int max_archive_entries = 20000;
};

Result<Document> extract(const std::filesystem::path& path, std::stop_token stop,
                         const ExtractOptions& options = {},
                         const quire::ProgressSink& progress = {});

}  // namespace quire::app
