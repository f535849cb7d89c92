// DocumentController: loads a stored document (text and segment map) for viewing, and for PDFs
// opens the source file with poppler-qt6 so its pages can be rendered.
//
// Threads: GUI thread only; loading runs on the controller's JobRunner worker (own Database
// connection). A newer load() cancels an older one that has not finished, so only the last
// document asked for is announced.
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>

#include <filesystem>
#include <memory>

#include "app/documents/document.h"
#include "ui/job_runner.h"

namespace Poppler {
class Document;
}

namespace quire::ui {

// A document ready to show. `pdf` is set for PDFs whose source file still opens; it is used
// from the GUI thread only once handed over (Poppler documents are not thread-safe).
struct LoadedDocument {
  qint64 id = 0;
  app::Document doc;
  std::shared_ptr<Poppler::Document> pdf;
};

class DocumentController : public QObject {
  Q_OBJECT

 public:
  explicit DocumentController(std::filesystem::path database, QObject* parent = nullptr);

  void load(qint64 document_id);
  void shutdown() { runner_.shutdown(); }
  bool busy() const { return runner_.busy(); }

 signals:
  void documentLoaded(std::shared_ptr<const quire::ui::LoadedDocument> document);
  void loadFailed(const QString& message);

 private:
  std::filesystem::path database_;
  JobRunner runner_;
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(std::shared_ptr<const quire::ui::LoadedDocument>)
