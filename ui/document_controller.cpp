#include "ui/document_controller.h"

#include <poppler-qt6.h>

#include <utility>

#include "app/store/database.h"
#include "app/store/document_repo.h"

namespace quire::ui {

DocumentController::DocumentController(std::filesystem::path database, QObject* parent)
    : QObject(parent), database_(std::move(database)) {}

void DocumentController::load(qint64 document_id) {
  runner_.cancel_all();
  runner_.submit([this, document_id](std::stop_token stop) {
    auto fail = [this](const std::string& message) {
      runner_.post([this, m = QString::fromStdString(message)] { emit loadFailed(m); });
    };
    auto db = app::Database::open(database_);
    if (!db) return fail(db.error().message);
    auto doc = app::DocumentRepo(*db).load(document_id);
    if (!doc) return fail(doc.error().message);
    auto loaded = std::make_shared<LoadedDocument>();
    loaded->id = document_id;
    loaded->doc = std::move(*doc);
    if (loaded->doc.kind == "pdf") {
      // The page images come from the source file; without it the extracted text is shown.
      std::unique_ptr<Poppler::Document> pdf =
          Poppler::Document::load(QString::fromStdString(loaded->doc.path));
      if (pdf && !pdf->isLocked()) {
        pdf->setRenderHint(Poppler::Document::Antialiasing);
        pdf->setRenderHint(Poppler::Document::TextAntialiasing);
        loaded->pdf = std::move(pdf);
      }
    }
    if (stop.stop_requested()) return;
    runner_.post([this, loaded = std::shared_ptr<const LoadedDocument>(std::move(loaded))] {
      emit documentLoaded(loaded);
    });
  });
}

}  // namespace quire::ui
