#include "ui/chat_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextCursor>
#include <QVBoxLayout>

#include "ui/stored_conversation.h"

namespace quire::ui {

ChatPanel::ChatPanel(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("ChatPanel"));
  question_ = new QLineEdit(this);
  question_->setObjectName(QStringLiteral("QuestionBox"));
  question_->setPlaceholderText(tr("Ask about the document"));
  ask_button_ = new QPushButton(tr("&Ask"), this);
  ask_button_->setObjectName(QStringLiteral("AskButton"));
  stop_button_ = new QPushButton(tr("S&top"), this);
  stop_button_->setObjectName(QStringLiteral("StopButton"));
  stop_button_->setShortcut(QKeySequence(Qt::Key_Escape));
  answer_ = new QPlainTextEdit(this);
  answer_->setObjectName(QStringLiteral("AnswerView"));
  answer_->setReadOnly(true);
  answer_->setPlaceholderText(tr("The answer appears here as it is written."));
  citations_ = new QListWidget(this);
  citations_->setObjectName(QStringLiteral("CitationList"));
  citations_->setToolTip(tr("Activate a citation to see the passage in the document"));
  status_ = new QLabel(this);
  status_->setWordWrap(true);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(status_, 1);
  buttons->addWidget(ask_button_);
  buttons->addWidget(stop_button_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(answer_, 3);
  layout->addWidget(new QLabel(tr("Citations"), this));
  layout->addWidget(citations_, 1);
  layout->addWidget(question_);
  layout->addLayout(buttons);

  connect(question_, &QLineEdit::returnPressed, this, [this] { ask(question_->text()); });
  connect(ask_button_, &QPushButton::clicked, this, [this] { ask(question_->text()); });
  connect(stop_button_, &QPushButton::clicked, this, &ChatPanel::stop);
  connect(citations_, &QListWidget::itemActivated, this, &ChatPanel::activate);
  connect(citations_, &QListWidget::itemClicked, this, &ChatPanel::activate);
  set_backend(nullptr);
}

void ChatPanel::set_backend(AnswerBackend* backend) {
  if (backend_) disconnect(backend_, nullptr, this, nullptr);
  backend_ = backend;
  if (backend_) {
    connect(backend_, &AnswerBackend::pieceReceived, this, &ChatPanel::on_piece);
    connect(backend_, &AnswerBackend::citationsReady, this, &ChatPanel::on_citations);
    connect(backend_, &AnswerBackend::finished, this, &ChatPanel::on_finished);
    connect(backend_, &AnswerBackend::failed, this, &ChatPanel::on_failed);
  }
  status_->setText(backend_ ? QString() : tr("No model loaded."));
  set_answering(false);
}

bool ChatPanel::ask(const QString& question) {
  const QString q = question.trimmed();
  if (!backend_ || answering_ || q.isEmpty()) return false;
  answer_->clear();
  citations_->clear();
  current_citations_.clear();
  status_->setText(tr("Answering..."));
  set_answering(true);
  backend_->start(q);
  return true;
}

void ChatPanel::show_conversation(const StoredConversation& conversation) {
  if (answering_) return;
  QString transcript;
  current_citations_.clear();
  citations_->clear();
  for (int t = 0; t < conversation.turns.size(); ++t) {
    const StoredTurn& turn = conversation.turns[t];
    if (!transcript.isEmpty()) transcript += QStringLiteral("\n\n");
    transcript += tr("Q%1: %2").arg(t + 1).arg(turn.question);
    if (turn.answer_message_id > 0) transcript += QStringLiteral("\n\n") + turn.answer;
    for (int i = 0; i < turn.citations.size(); ++i) {
      const Citation& c = turn.citations[i];
      auto* item = new QListWidgetItem(QStringLiteral("Q%1 [%2] %3 — %4")
                                           .arg(t + 1)
                                           .arg(i + 1)
                                           .arg(c.location.label(), c.quote),
                                       citations_);
      item->setData(Qt::UserRole, int(current_citations_.size()));
      item->setToolTip(c.quote);
      current_citations_ << c;
    }
  }
  answer_->setPlainText(transcript);
  status_->setText(tr("Session %1: %n question(s).", nullptr, int(conversation.turns.size()))
                       .arg(conversation.session_id));
}

void ChatPanel::stop() {
  if (backend_ && answering_) backend_->stop();
}

QString ChatPanel::answer_text() const { return answer_->toPlainText(); }

void ChatPanel::on_piece(const QString& piece) {
  // Insert at the end without moving the reader's selection or scroll position away from it.
  QTextCursor end(answer_->document());
  end.movePosition(QTextCursor::End);
  end.insertText(piece);
  answer_->ensureCursorVisible();
}

void ChatPanel::on_citations(const QList<Citation>& citations) {
  current_citations_ = citations;
  citations_->clear();
  for (int i = 0; i < citations.size(); ++i) {
    const Citation& c = citations[i];
    auto* item = new QListWidgetItem(
        QStringLiteral("[%1] %2 — %3").arg(i + 1).arg(c.location.label(), c.quote), citations_);
    item->setData(Qt::UserRole, i);
    item->setToolTip(c.quote);
  }
}

void ChatPanel::on_finished(bool stopped) {
  status_->setText(stopped ? tr("Stopped.") : QString());
  set_answering(false);
  emit answerEnded();
}

void ChatPanel::on_failed(const QString& message) {
  status_->setText(message);
  set_answering(false);
  emit answerEnded();
}

void ChatPanel::set_answering(bool answering) {
  answering_ = answering;
  ask_button_->setEnabled(backend_ && !answering);
  stop_button_->setEnabled(answering);
}

void ChatPanel::activate(QListWidgetItem* item) {
  const int index = item->data(Qt::UserRole).toInt();
  if (index >= 0 && index < current_citations_.size()) {
    emit citationActivated(current_citations_[index].location);
  }
}

}  // namespace quire::ui
