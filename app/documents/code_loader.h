// Code folders: every text file under the chosen folder, in a stable order (depth first, names
// sorted bytewise), as segments of at most kCodeBlockLines lines carrying `file` (relative to the
// folder, '/'-separated) and 1-based `line_start`/`line_end`.
//
// The walk is folder_walk.h's, hidden files included. What is not read is reported in Document::skipped with a reason, never dropped silently:
// .gitignore'd paths (rules from every .gitignore on the way down), version-control, vendored and
// build folders (is_skipped_folder_name), binary files, files over the size cap, unreadable files,
// symbolic links to folders (never followed, so link loops cannot happen), links that point
// outside the chosen folder, folders nested deeper than the depth cap, and files past the file
// count or total text caps.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>

#include "app/documents/extract.h"
#include "app/documents/folder_walk.h"

namespace quire::app {

inline constexpr int kCodeBlockLines = 80;

// The language of a file from its name ("C++", "Python", "CMake", "Markdown"); "text" when
// unknown. Used for the per-file language in the CLI's JSON and by the context builder.
std::string_view language_for_path(std::string_view rel_path);

Result<Document> load_code_folder(const std::filesystem::path& folder, std::stop_token stop,
                                  const ExtractOptions& options,
                                  const quire::ProgressSink& progress);

}  // namespace quire::app
