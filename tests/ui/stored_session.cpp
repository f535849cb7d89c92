#include "stored_session.h"

#include "app/documents/document.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_repo.h"
#include "app/store/span_report_repo.h"

namespace quire::ui::testing {

bool store_session(const std::filesystem::path& database, StoredSession& out) {
  auto db = app::Database::open(database);
  if (!db) return false;
  app::Document doc;
  doc.kind = "pdf";
  doc.title = "Storms";
  doc.path = "/nonexistent/storms.pdf";
  doc.text = "The sea rose.\nThe lamp broke.\nWinter came.\n";
  doc.pages = 3;
  doc.segments = {{0, 14, 1, "", "", "", 0, 0}, {14, 30, 2, "", "", "", 0, 0},
                  {30, 43, 3, "", "", "", 0, 0}};
  auto ingested = app::DocumentRepo(*db).ingest(doc, {std::string(64, 'b'), 43, 1});
  if (!ingested) return false;
  app::SessionRepo sessions(*db);
  auto session = sessions.create(ingested->document_id, "lamp", "tiny", "kv_type=f16");
  if (!session) return false;
  out.question = QStringLiteral("What broke in the storm?");
  out.answer = QStringLiteral("The lighthouse lamp broke on page two.");
  if (!sessions.append(session->id, "user", out.question.toStdString())) return false;
  auto answer = sessions.append(session->id, "assistant", out.answer.toStdString(),
                                {120, 9, 4.5, 30.0},
                                R"([{"page": 2, "label": "p. 2", "text": "The lamp broke."}])");
  if (!answer) return false;
  if (!app::SpanReportRepo(*db).put(answer->id, kStoredSpanReport)) return false;
  out.session_id = session->id;
  out.message_id = answer->id;
  return true;
}

}  // namespace quire::ui::testing
