// The folder walk shared by code folders (code_loader.h) and batch folders (document_files.h):
// which files under a folder are candidates, and why each other path is left out. One place, so
// that `ask FOLDER` and `batch FOLDER` leave out the same things for the same reasons.
//
// Left out, each with a reason (never dropped silently): paths ignored by a .gitignore on the
// way down, version-control, vendored and build folders (is_skipped_folder_name), hidden names
// (starting with '.') when asked, broken symbolic links, symbolic links to folders (never
// followed, so link loops cannot happen), links to files outside the root, non-regular files
// (devices, pipes, sockets), folders nested past ExtractOptions::max_depth, files past
// ExtractOptions::max_files, and unreadable folders.
//
// Order: depth first, names sorted bytewise, so the same tree always gives the same list.
// Threads: runs on the caller's thread. Cancellation: checked per folder.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "app/documents/document.h"
#include "app/documents/extract.h"

namespace quire::app {

// Folder names skipped wherever they appear: VCS metadata, dependencies, build output, caches.
bool is_skipped_folder_name(std::string_view name);

struct WalkedFile {
  std::string rel;             // relative to the root, '/'-separated
  std::filesystem::path path;  // the path as found under the root (not resolved)
};

struct FolderWalk {
  std::vector<WalkedFile> files;
  std::vector<Skipped> skipped;  // paths relative to the root, '/'-separated ("." the root)
  bool stopped = false;          // `stop` was requested; files and skipped are partial
};

// Walks `root`, which must be a canonical folder path. `skip_hidden` also leaves out names
// starting with '.' (files and folders). Uses options.max_depth and options.max_files.
FolderWalk walk_folder(const std::filesystem::path& root, const ExtractOptions& options,
                       bool skip_hidden, std::stop_token stop);

}  // namespace quire::app
