#include "app/store/library.h"

#include <chrono>
#include <optional>
#include <system_error>

#include "app/store/database.h"
#include "app/store/sha256.h"

namespace quire::app {
namespace fs = std::filesystem;

namespace {

// The stamp of a folder: the hash of everything extract() read from it (see library.h).
// `mtime_ns` is the folder's own, informational only.
SourceStamp stamp_extracted(const Document& doc, const fs::path& folder) {
  Sha256 hash;
  hash.update(doc.text);
  for (const Segment& s : doc.segments) {
    hash.update(std::string_view("\0", 1));
    hash.update(s.file);
  }
  std::error_code ec;
  const auto mtime = fs::last_write_time(folder, ec);
  const int64_t mtime_ns =
      ec ? 0
         : std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  return SourceStamp{hash.hex_digest(), int64_t(doc.text.size()), mtime_ns};
}

}  // namespace

Result<LibraryEntry> add_to_library(Database& db, const fs::path& path, std::stop_token stop,
                                    const ExtractOptions& options, const ProgressSink& progress) {
  DocumentRepo repo(db);
  // Only a regular file can be stamped before extraction; anything else (a folder, a missing
  // path) goes straight to extract(), which also gives the errors a person should see.
  std::error_code ec;
  std::optional<SourceStamp> file_stamp;
  if (fs::is_regular_file(path, ec)) {
    auto stamp = stamp_file(path, stop);
    if (!stamp) return stamp.error();
    const std::string key = fs::absolute(path).lexically_normal().string();
    auto stored = repo.find_unchanged(key, *stamp);
    if (!stored) return stored.error();
    if (*stored) {
      // Unchanged bytes: keep the stored extraction, refresh only the stamp (mtime).
      auto doc = repo.load((*stored)->id);
      if (!doc) return doc.error();
      auto kept = repo.ingest(*doc, *stamp, stop);
      if (!kept) return kept.error();
      return LibraryEntry{kept->document_id, kept->outcome, std::move(*doc)};
    }
    file_stamp = std::move(*stamp);
  }
  auto doc = extract(path, stop, options, progress);
  if (!doc) return doc.error();
  const SourceStamp stamp = file_stamp ? *file_stamp : stamp_extracted(*doc, path);
  auto stored = repo.ingest(*doc, stamp, stop);
  if (!stored) return stored.error();
  return LibraryEntry{stored->document_id, stored->outcome, std::move(*doc)};
}

}  // namespace quire::app
