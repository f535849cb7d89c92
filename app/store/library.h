// Adding a file or folder to the person's library: extract it and keep it in the store, or reuse
// the stored copy when the file has not changed. Front ends (quire-cli ingest, the GUI's
// library controller, batch runs) call this rather than extract() and DocumentRepo themselves.
//
// Identity: a file is its bytes' SHA-256 (stamp_file), so an unchanged file is not extracted
// again; a folder's bytes are spread over many files, so a folder is extracted every time and
// identified by the SHA-256 of what was read (its text and the file of every segment): the
// stored copy is reused exactly when nothing Quire reads has changed.
//
// Threads: runs on the caller's thread with the caller's Database (one per thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stop_token>

#include "app/documents/document.h"
#include "app/documents/extract.h"
#include "app/store/document_repo.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

struct LibraryEntry {
  int64_t document_id = 0;
  IngestOutcome outcome = IngestOutcome::added;
  Document document;  // as extracted, or as stored when unchanged (then `skipped` is empty)
};

// Errors: those of extract() (not_found, corrupt_data, unsupported, cancelled, ...) and of the
// store (io_error, no_space, ...); nothing is written unless the whole document is stored.
Result<LibraryEntry> add_to_library(Database& db, const std::filesystem::path& path,
                                    std::stop_token stop, const ExtractOptions& options = {},
                                    const ProgressSink& progress = {});

}  // namespace quire::app
