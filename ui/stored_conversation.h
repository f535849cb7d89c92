// StoredConversation: a chat session as the store keeps it (SessionRepo: its questions and
// answers with their citations), for showing it again in the chat panel and the attention view;
// and ConversationLoader, which reads one on a worker thread.
//
// Citations come from each answer message's citations JSON (app/analysis/citations.h); the JSON
// is from the store, so it is parsed defensively: an entry that is not an object, or lacks a
// usable place, is skipped rather than shown wrong.
//
// Threads: load_conversation() borrows the caller's Database. ConversationLoader's methods are
// GUI-thread only; it reads on its JobRunner worker with its own Database connection and emits
// on the GUI thread.
#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <filesystem>
#include <string_view>

#include "engine/base/result.h"
#include "ui/answer_backend.h"
#include "ui/job_runner.h"

namespace quire::app {
class Database;
}

namespace quire::ui {

struct StoredTurn {
  QString question;
  QString answer;
  qint64 answer_message_id = 0;  // 0 when the question has no stored answer
  QList<Citation> citations;
};

struct StoredConversation {
  qint64 session_id = 0;
  qint64 document_id = 0;
  QString title;
  QList<StoredTurn> turns;  // in the order asked

  // The newest answer's message id (its span report is the one to show); 0 when none.
  qint64 latest_answer_id() const;
};

// The citations of a stored citations JSON array (citations_to_json's shape). Errc::corrupt_data
// when the text is not a JSON array.
Result<QList<Citation>> citations_from_json(std::string_view json);

// Errc::not_found for an unknown session; the store's errors; corrupt_data for a message whose
// citations do not parse.
Result<StoredConversation> load_conversation(app::Database& db, qint64 session_id);

class ConversationLoader : public QObject {
  Q_OBJECT

 public:
  explicit ConversationLoader(std::filesystem::path database, QObject* parent = nullptr);

  // Reads session `session_id`; loaded() or failed() follows. A newer load() supersedes one
  // still queued.
  void load(qint64 session_id);
  void shutdown() { runner_.shutdown(); }

 signals:
  void loaded(const quire::ui::StoredConversation& conversation);
  void failed(const QString& message);

 private:
  std::filesystem::path database_;
  JobRunner runner_;
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(quire::ui::StoredConversation)
