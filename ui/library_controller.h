// LibraryController: the documents in the store, and ingestion of files and folders into it.
//
// Threads: GUI thread only; all store and extraction work runs on the controller's JobRunner
// worker, which opens its own Database connection per job (a Database belongs to one thread).
// Signals are emitted on the GUI thread.
// Cancellation: cancel() stops the running ingest (extract() returns between files / pages and
// the store transaction rolls back) and drops the queued ones; nothing partial is stored.
// Shutdown: shutdown() (called when the window closes, and by the destructor) cancels and waits.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <vector>

#include "app/store/document_repo.h"
#include "engine/base/progress.h"
#include "ui/job_runner.h"
#include "ui/library_listing.h"
#include "ui/progress_metatype.h"

namespace quire::ui {

class LibraryController : public QObject {
  Q_OBJECT

 public:
  // database: the store file (app::Paths::database()); created and migrated when missing.
  explicit LibraryController(std::filesystem::path database, QObject* parent = nullptr);

  // Reloads documents, their sessions and the batch runs from the store; documentsChanged()
  // follows (also after every ingest, cancelled or not).
  void refresh();
  // Ingests each path (a file, or a folder read as a code folder) as one document, in order.
  // Unchanged files (same content hash as stored) are not extracted again.
  void ingest(const QStringList& paths);
  void cancel();
  void shutdown();
  bool busy() const { return runner_.busy(); }

  // The last listing read from the store.
  const LibraryListing& listing() const { return listing_; }
  const std::vector<app::DocumentRow>& documents() const { return listing_.documents; }
  const std::filesystem::path& database() const { return database_; }

 signals:
  void documentsChanged();
  // Progress of the running ingest (stage "ingest"/"store"; units files, pages or segments).
  void ingestProgress(const quire::ProgressUpdate& update);
  // One path was stored; document_id is its row.
  void documentIngested(const QString& path, qint64 document_id);
  // One path failed (bad file, cancelled, store error); message says what and what to do.
  // path is empty when reading the library listing failed.
  void ingestFailed(const QString& path, const QString& message);
  // Every queued ingest has ended (stored, failed or cancelled).
  void ingestFinished();

 private:
  void run_ingest(const QString& path, std::stop_token stop);

  std::filesystem::path database_;
  LibraryListing listing_;
  JobRunner runner_;
  bool ingesting_ = false;
};

}  // namespace quire::ui
