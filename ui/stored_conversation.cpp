#include "ui/stored_conversation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <utility>

#include "app/store/database.h"
#include "app/store/session_repo.h"

namespace quire::ui {
namespace {

constexpr int kMaxQuoteChars = 160;  // of the cited passage, shown in the citation list

}  // namespace

qint64 StoredConversation::latest_answer_id() const {
  for (auto it = turns.crbegin(); it != turns.crend(); ++it) {
    if (it->answer_message_id > 0) return it->answer_message_id;
  }
  return 0;
}

Result<QList<Citation>> citations_from_json(std::string_view json) {
  QJsonParseError error{};
  const QJsonDocument doc = QJsonDocument::fromJson(
      QByteArray::fromRawData(json.data(), qsizetype(json.size())), &error);
  if (error.error != QJsonParseError::NoError || !doc.isArray()) {
    return make_error(Errc::corrupt_data,
                      "stored citations are not a JSON array ({}); the answer is shown without "
                      "them",
                      error.errorString().toStdString());
  }
  QList<Citation> out;
  for (const QJsonValue& value : doc.array()) {
    if (!value.isObject()) continue;
    const QJsonObject o = value.toObject();
    Citation c;
    c.location.page = std::max(0, o.value(QStringLiteral("page")).toInt(0));
    c.location.file = o.value(QStringLiteral("file")).toString();
    c.location.line = std::max(0, o.value(QStringLiteral("line_start")).toInt(0));
    if (c.location.page == 0 && c.location.line == 0) continue;  // nowhere to go
    c.location.passage = o.value(QStringLiteral("text")).toString();
    QString quote = c.location.passage.simplified();
    if (quote.size() > kMaxQuoteChars) quote = quote.left(kMaxQuoteChars - 1) + QChar(0x2026);
    c.quote = quote;
    out << c;
  }
  return out;
}

Result<StoredConversation> load_conversation(app::Database& db, qint64 session_id) {
  app::SessionRepo repo(db);
  auto session = repo.find(session_id);
  if (!session) return session.error();
  if (!*session) {
    return make_error(Errc::not_found,
                      "session {} is not in the library any more; pick another in the sidebar",
                      session_id);
  }
  auto messages = repo.messages(session_id);
  if (!messages) return messages.error();
  StoredConversation out;
  out.session_id = session_id;
  out.document_id = (*session)->document_id;
  out.title = QString::fromStdString((*session)->title);
  for (const app::MessageRow& m : *messages) {
    if (m.role == "user") {
      StoredTurn turn;
      turn.question = QString::fromStdString(m.text);
      out.turns << turn;
    } else if (m.role == "assistant") {
      if (out.turns.isEmpty() || out.turns.last().answer_message_id > 0) out.turns << StoredTurn{};
      StoredTurn& turn = out.turns.last();
      turn.answer = QString::fromStdString(m.text);
      turn.answer_message_id = m.id;
      auto citations = citations_from_json(m.citations_json);
      if (!citations) return citations.error();
      turn.citations = std::move(*citations);
    }
  }
  return out;
}

ConversationLoader::ConversationLoader(std::filesystem::path database, QObject* parent)
    : QObject(parent), database_(std::move(database)) {}

void ConversationLoader::load(qint64 session_id) {
  runner_.cancel_all();  // an older, slower load would show the wrong session after this one
  runner_.submit([this, session_id](std::stop_token) {
    auto db = app::Database::open(database_);
    if (!db) {
      return runner_.post([this, m = QString::fromStdString(db.error().message)] {
        emit failed(m);
      });
    }
    auto conversation = load_conversation(*db, session_id);
    if (!conversation) {
      return runner_.post([this, m = QString::fromStdString(conversation.error().message)] {
        emit failed(m);
      });
    }
    runner_.post([this, c = std::move(*conversation)] { emit loaded(c); });
  });
}

}  // namespace quire::ui
