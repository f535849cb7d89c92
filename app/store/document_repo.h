// Documents and their segment maps in the store. A document is keyed by its absolute path;
// its identity is the SHA-256 of the source bytes (SourceStamp), so re-ingesting an unchanged
// file reuses the stored row and a changed file replaces its text and segments (keeping the id,
// so sessions about it stay). Segment text is indexed by FTS5 (segment_search.h).
//
// Threads: a repo borrows one thread's Database and lives no longer than it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "app/documents/document.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

// What identifies a source's bytes: content hash (64 hex SHA-256), size and modification time.
struct SourceStamp {
  std::string content_hash;
  int64_t bytes = 0;
  int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
};

// Stamps a regular file by hashing its bytes. Errors: not_found, permission_denied, io_error,
// cancelled.
Result<SourceStamp> stamp_file(const std::filesystem::path& path, std::stop_token stop = {});

struct DocumentRow {
  int64_t id = 0;
  std::string path;
  std::string kind;
  std::string title;
  std::string content_hash;
  int64_t bytes = 0;
  int64_t mtime_ns = 0;
  int pages = 0;
  int64_t ingested_at = 0;  // Unix ms
  int64_t n_segments = 0;
};

enum class IngestOutcome { added, unchanged, replaced };

struct IngestResult {
  int64_t document_id = 0;
  IngestOutcome outcome = IngestOutcome::added;
};

class DocumentRepo {
 public:
  explicit DocumentRepo(Database& db) : db_(db) {}

  // The stored document at `path` when its content hash equals stamp.content_hash: the caller
  // may then skip extraction and call ingest() only to refresh the stamp. nullopt otherwise.
  Result<std::optional<DocumentRow>> find_unchanged(const std::string& path,
                                                   const SourceStamp& stamp);

  // Stores `doc` (keyed by doc.path) in one transaction. Same content hash as stored: nothing but
  // mtime changes (unchanged). Otherwise the text and segments are replaced (replaced) or
  // inserted (added). The kind must be one the loaders produce, the path non-empty, and the
  // segments must lie inside doc.text, in order, without overlap; otherwise
  // Errc::invalid_argument and nothing is written.
  // Progress is reported in segments stored; cancelling rolls everything back.
  Result<IngestResult> ingest(const Document& doc, const SourceStamp& stamp,
                              std::stop_token stop = {}, const ProgressSink& progress = {});

  // Every document, most recently ingested first.
  Result<std::vector<DocumentRow>> list();
  Result<std::optional<DocumentRow>> find_by_path(const std::string& path);
  // The stored document as the loader produced it (text and segments; not `skipped`).
  // Errc::not_found for an unknown id.
  Result<Document> load(int64_t id);
  // Deletes the document with its segments, sessions and messages (foreign-key cascade).
  Result<void> remove(int64_t id);

 private:
  Database& db_;
};

}  // namespace quire::app
