// The documents of a batch folder: every regular file under it, each one a document of its own
// (a PDF, an EPUB, HTML, Markdown, text or a single source file; extract() decides its kind).
// A batch asks each file separately, unlike `ask FOLDER`, which reads a code folder as ONE
// document: a batch question is meant for every document, and per-file answers are what a
// table of results needs.
//
// The walk follows the code-folder rules (code_loader.h) so that the same files are left out,
// each reported with a reason, never dropped silently: .gitignore'd paths, version-control,
// vendored and build folders, hidden files (names starting with '.'), symbolic links to folders
// (never followed) and links to files outside the folder, non-regular files, folders nested past
// ExtractOptions::max_depth and files past ExtractOptions::max_files. Binary and unreadable
// files ARE listed: whether they can be read is each document's own outcome.
//
// Order: depth first, names sorted bytewise, so the same tree always gives the same list.
// Threads: runs on the caller's thread. Cancellation: checked per folder.
#pragma once

#include <filesystem>
#include <stop_token>
#include <vector>

#include "app/documents/document.h"
#include "app/documents/extract.h"
#include "engine/base/result.h"

namespace quire::app {

struct DocumentFiles {
  std::filesystem::path root;                // canonical
  std::vector<std::filesystem::path> files;  // absolute, under root (lexically)
  std::vector<Skipped> skipped;              // paths relative to root, '/'-separated
};

// `path` may also be a single file: then it is the one document. Errors: not_found (no such
// file or folder), cancelled.
Result<DocumentFiles> list_document_files(const std::filesystem::path& path, std::stop_token stop,
                                          const ExtractOptions& options = {});

}  // namespace quire::app
