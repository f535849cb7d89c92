#include "ui/library_controller.h"

#include <QFileInfo>

#include <chrono>
#include <optional>
#include <system_error>
#include <utility>

#include "app/documents/extract.h"
#include "app/store/batch_repo.h"
#include "app/store/database.h"
#include "app/store/session_repo.h"
#include "app/store/sha256.h"

namespace quire::ui {
namespace {

QString qstr(const std::string& s) { return QString::fromStdString(s); }

// A folder has no single file to hash: its identity is the extracted text, which changes exactly
// when a file Quire reads changes.
app::SourceStamp stamp_text(const std::filesystem::path& folder, const app::Document& doc) {
  app::SourceStamp stamp;
  stamp.content_hash = app::sha256_hex(doc.text);
  stamp.bytes = int64_t(doc.text.size());
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(folder, ec);
  if (!ec) {
    stamp.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                         .count();
  }
  return stamp;
}

Result<LibraryListing> read_listing(const std::filesystem::path& database) {
  auto db = app::Database::open(database);
  if (!db) return db.error();
  LibraryListing listing;
  auto documents = app::DocumentRepo(*db).list();
  if (!documents) return documents.error();
  listing.documents = std::move(*documents);
  app::SessionRepo sessions(*db);
  for (const app::DocumentRow& row : listing.documents) {
    auto of_document = sessions.list_for_document(row.id);
    if (!of_document) return of_document.error();
    if (!of_document->empty()) listing.sessions[row.id] = std::move(*of_document);
  }
  auto runs = app::BatchRepo(*db).list_runs();
  if (!runs) return runs.error();
  listing.batch_runs = std::move(*runs);
  return listing;
}

}  // namespace

LibraryController::LibraryController(std::filesystem::path database, QObject* parent)
    : QObject(parent), database_(std::move(database)) {
  connect(&runner_, &JobRunner::idle, this, [this] {
    if (!ingesting_) return;
    ingesting_ = false;
    emit ingestFinished();
    refresh();  // also after a cancel: the list shows what the store really holds
  });
}

void LibraryController::refresh() {
  runner_.submit([this](std::stop_token) {
    auto listing = read_listing(database_);
    if (!listing) {
      runner_.post([this, e = listing.error()] { emit ingestFailed(QString(), qstr(e.message)); });
      return;
    }
    runner_.post([this, listing = std::move(*listing)]() mutable {
      listing_ = std::move(listing);
      emit documentsChanged();
    });
  });
}

void LibraryController::ingest(const QStringList& paths) {
  for (const QString& path : paths) {
    ingesting_ = true;
    runner_.submit([this, path](std::stop_token stop) { run_ingest(path, stop); });
  }
}

void LibraryController::cancel() { runner_.cancel_all(); }

void LibraryController::shutdown() { runner_.shutdown(); }

void LibraryController::run_ingest(const QString& qpath, std::stop_token stop) {
  const std::filesystem::path path = QFileInfo(qpath).absoluteFilePath().toStdString();
  auto fail = [&](const Error& e) {
    runner_.post([this, qpath, m = qstr(e.message)] { emit ingestFailed(qpath, m); });
  };
  auto progress = [this](const ProgressUpdate& u) {
    runner_.post([this, u] { emit ingestProgress(u); });
  };
  auto db = app::Database::open(database_);
  if (!db) return fail(db.error());
  app::DocumentRepo repo(*db);

  const bool folder = std::filesystem::is_directory(path);
  std::optional<app::SourceStamp> stamp;
  if (!folder) {
    auto s = app::stamp_file(path, stop);
    if (!s) return fail(s.error());
    stamp = std::move(*s);
    auto known = repo.find_unchanged(path.string(), *stamp);
    if (!known) return fail(known.error());
    if (*known) {
      // Same bytes as stored: the stored text and segments stand; only the stamp is refreshed.
      auto stored = repo.load((*known)->id);
      if (!stored) return fail(stored.error());
      auto done = repo.ingest(*stored, *stamp, stop);
      if (!done) return fail(done.error());
      runner_.post([this, qpath, id = done->document_id] { emit documentIngested(qpath, id); });
      return;
    }
  }
  auto doc = app::extract(path, stop, {}, progress);
  if (!doc) return fail(doc.error());
  if (folder) stamp = stamp_text(path, *doc);
  auto done = repo.ingest(*doc, *stamp, stop, progress);
  if (!done) return fail(done.error());
  runner_.post([this, qpath, id = done->document_id] { emit documentIngested(qpath, id); });
}

}  // namespace quire::ui
