#include "app/store/document_repo.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <cstring>

#include "app/store/database.h"
#include "app/store/sha256.h"
#include "engine/base/progress.h"

namespace quire::app {
namespace {

constexpr std::string_view kRowColumns =
    "d.id, d.path, d.kind, d.title, d.content_hash, d.bytes, d.mtime_ns, d.pages, d.ingested_at, "
    "(SELECT count(*) FROM segments s WHERE s.document_id = d.id)";

DocumentRow read_row(const Statement& st) {
  DocumentRow r;
  r.id = st.column_int64(0);
  r.path = st.column_text(1);
  r.kind = st.column_text(2);
  r.title = st.column_text(3);
  r.content_hash = st.column_text(4);
  r.bytes = st.column_int64(5);
  r.mtime_ns = st.column_int64(6);
  r.pages = static_cast<int>(st.column_int64(7));
  r.ingested_at = st.column_int64(8);
  r.n_segments = st.column_int64(9);
  return r;
}

Result<void> check_document(const Document& doc) {
  static constexpr std::string_view kKinds[] = {"pdf", "epub", "text", "markdown", "html", "code"};
  if (std::find(std::begin(kKinds), std::end(kKinds), doc.kind) == std::end(kKinds)) {
    return make_error(Errc::invalid_argument,
                      "{}: document kind \"{}\" is not one of pdf, epub, text, markdown, html, "
                      "code; this is a bug in the loader, please report it", doc.path, doc.kind);
  }
  if (doc.path.empty()) {
    return make_error(Errc::invalid_argument, "a document without a path cannot be stored");
  }
  const auto size = static_cast<int64_t>(doc.text.size());
  int64_t prev_end = 0;
  for (size_t i = 0; i < doc.segments.size(); ++i) {
    const Segment& s = doc.segments[i];
    if (s.char_begin < prev_end || s.char_end < s.char_begin || s.char_end > size) {
      return make_error(Errc::invalid_argument,
                        "{}: segment {} covers bytes [{}, {}) which is out of order, overlapping or "
                        "past the end of the {}-byte text; this is a bug in the {} loader, please "
                        "report it",
                        doc.path, i, s.char_begin, s.char_end, size, doc.kind);
    }
    prev_end = s.char_end;
  }
  return {};
}

}  // namespace

Result<SourceStamp> stamp_file(const std::filesystem::path& path, std::stop_token stop) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::not_found
                      : err == EACCES ? Errc::permission_denied
                                      : Errc::io_error,
                      "cannot read {}: {}", path.string(), std::strerror(err));
  }
  auto hash = sha256_file(path, stop);
  if (!hash) return hash.error();
  return SourceStamp{std::move(*hash), static_cast<int64_t>(st.st_size),
                     int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec};
}

Result<std::optional<DocumentRow>> DocumentRepo::find_by_path(const std::string& path) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM documents d WHERE d.path = ?", kRowColumns));
  if (!st) return st.error();
  st->bind(1, path);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<DocumentRow>();
  return std::optional<DocumentRow>(read_row(*st));
}

Result<std::optional<DocumentRow>> DocumentRepo::find_unchanged(const std::string& path,
                                                               const SourceStamp& stamp) {
  auto found = find_by_path(path);
  if (!found || !found->has_value()) return found;
  if ((*found)->content_hash != stamp.content_hash) return std::optional<DocumentRow>();
  return found;
}

Result<IngestResult> DocumentRepo::ingest(const Document& doc, const SourceStamp& stamp,
                                          std::stop_token stop, const ProgressSink& progress) {
  if (auto ok = check_document(doc); !ok) return ok.error();
  auto tx = db_.begin();
  if (!tx) return tx.error();
  auto existing = find_by_path(doc.path);
  if (!existing) return existing.error();

  IngestResult result;
  if (existing->has_value() && (*existing)->content_hash == stamp.content_hash) {
    auto st = db_.prepare("UPDATE documents SET mtime_ns = ? WHERE id = ?");
    if (!st) return st.error();
    if (auto ok = st->bind(1, stamp.mtime_ns).bind(2, (*existing)->id).run(); !ok) return ok.error();
    if (auto ok = tx->commit(); !ok) return ok.error();
    return IngestResult{(*existing)->id, IngestOutcome::unchanged};
  }

  if (existing->has_value()) {
    result.document_id = (*existing)->id;
    result.outcome = IngestOutcome::replaced;
    auto del = db_.prepare("DELETE FROM segments WHERE document_id = ?");
    if (!del) return del.error();
    if (auto ok = del->bind(1, result.document_id).run(); !ok) return ok.error();
    auto up = db_.prepare(
        "UPDATE documents SET kind = ?, title = ?, content_hash = ?, bytes = ?, mtime_ns = ?, "
        "pages = ?, ingested_at = ?, text = ? WHERE id = ?");
    if (!up) return up.error();
    up->bind(1, doc.kind).bind(2, doc.title).bind(3, stamp.content_hash).bind(4, stamp.bytes);
    up->bind(5, stamp.mtime_ns).bind(6, doc.pages).bind(7, unix_ms_now()).bind(8, doc.text);
    if (auto ok = up->bind(9, result.document_id).run(); !ok) return ok.error();
  } else {
    auto ins = db_.prepare(
        "INSERT INTO documents (path, kind, title, content_hash, bytes, mtime_ns, pages, "
        "ingested_at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, doc.path).bind(2, doc.kind).bind(3, doc.title).bind(4, stamp.content_hash);
    ins->bind(5, stamp.bytes).bind(6, stamp.mtime_ns).bind(7, doc.pages).bind(8, unix_ms_now());
    if (auto ok = ins->bind(9, doc.text).run(); !ok) return ok.error();
    result.document_id = db_.last_insert_rowid();
    result.outcome = IngestOutcome::added;
  }

  auto seg = db_.prepare(
      "INSERT INTO segments (document_id, ordinal, char_begin, char_end, page, page_label, "
      "chapter, file, line_start, line_end, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!seg) return seg.error();
  const std::string_view text = doc.text;
  ProgressTracker tracker("store", "segments", static_cast<int64_t>(doc.segments.size()), progress);
  for (size_t i = 0; i < doc.segments.size(); ++i) {
    if (stop.stop_requested()) return cancelled_error("storing " + doc.path);
    const Segment& s = doc.segments[i];
    seg->reset();
    seg->bind(1, result.document_id).bind(2, static_cast<int64_t>(i)).bind(3, s.char_begin);
    seg->bind(4, s.char_end).bind(5, s.page).bind(6, s.page_label).bind(7, s.chapter);
    seg->bind(8, s.file).bind(9, s.line_start).bind(10, s.line_end);
    seg->bind(11, text.substr(static_cast<size_t>(s.char_begin),
                              static_cast<size_t>(s.char_end - s.char_begin)));
    if (auto ok = seg->run(); !ok) return ok.error();
    tracker.advance();
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  tracker.finish();
  return result;
}

Result<std::vector<DocumentRow>> DocumentRepo::list() {
  auto st = db_.prepare(
      fmt::format("SELECT {} FROM documents d ORDER BY d.ingested_at DESC, d.id DESC", kRowColumns));
  if (!st) return st.error();
  std::vector<DocumentRow> rows;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return rows;
    rows.push_back(read_row(*st));
  }
}

Result<Document> DocumentRepo::load(int64_t id) {
  auto st = db_.prepare("SELECT kind, title, path, text, pages FROM documents WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) {
    return make_error(Errc::not_found, "no document {} in {}; `quire-cli docs` lists them", id,
                      db_.path().string());
  }
  Document doc;
  doc.kind = st->column_text(0);
  doc.title = st->column_text(1);
  doc.path = st->column_text(2);
  doc.text = st->column_text(3);
  doc.pages = static_cast<int>(st->column_int64(4));
  auto seg = db_.prepare(
      "SELECT char_begin, char_end, page, page_label, chapter, file, line_start, line_end "
      "FROM segments WHERE document_id = ? ORDER BY ordinal");
  if (!seg) return seg.error();
  seg->bind(1, id);
  for (;;) {
    auto r = seg->step();
    if (!r) return r.error();
    if (!*r) break;
    Segment s;
    s.char_begin = seg->column_int64(0);
    s.char_end = seg->column_int64(1);
    if (auto page = seg->column_optional_int64(2)) s.page = static_cast<int>(*page);
    s.page_label = seg->column_text(3);
    s.chapter = seg->column_text(4);
    s.file = seg->column_text(5);
    s.line_start = static_cast<int>(seg->column_int64(6));
    s.line_end = static_cast<int>(seg->column_int64(7));
    doc.segments.push_back(std::move(s));
  }
  return doc;
}

Result<void> DocumentRepo::remove(int64_t id) {
  auto st = db_.prepare("DELETE FROM documents WHERE id = ?");
  if (!st) return st.error();
  return st->bind(1, id).run();
}

}  // namespace quire::app
