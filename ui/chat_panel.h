// ChatPanel: a question box, the streaming answer, a stop button and the answer's citations.
// Activating a citation emits citationActivated(location); the window sends it to
// DocumentView::show_location().
//
// Threads: GUI thread only. The backend is borrowed and must outlive the panel (or be replaced
// with set_backend(nullptr) first).
#pragma once

#include <QList>
#include <QWidget>

#include "ui/answer_backend.h"

class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QLabel;

namespace quire::ui {

struct StoredConversation;

class ChatPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ChatPanel(QWidget* parent = nullptr);

  // The backend questions go to; nullptr disables asking (no model loaded).
  void set_backend(AnswerBackend* backend);
  // Sends `question` to the backend, as pressing Ask does. false when no backend is set, the
  // question is empty or an answer is still streaming.
  bool ask(const QString& question);
  void stop();
  bool answering() const { return answering_; }

  // Shows a stored conversation (every question and answer) with the citations of all its
  // answers, each activatable like a live answer's. Does nothing while an answer streams.
  void show_conversation(const StoredConversation& conversation);

  QString answer_text() const;
  QListWidget* citation_list() const { return citations_; }
  QPushButton* stop_button() const { return stop_button_; }
  QPushButton* ask_button() const { return ask_button_; }
  QLineEdit* question_box() const { return question_; }

 signals:
  void citationActivated(const quire::ui::Location& location);
  // The answer ended: finished (stopped or not) or failed.
  void answerEnded();

 private:
  void on_piece(const QString& piece);
  void on_citations(const QList<Citation>& citations);
  void on_finished(bool stopped);
  void on_failed(const QString& message);
  void set_answering(bool answering);
  void activate(QListWidgetItem* item);

  AnswerBackend* backend_ = nullptr;
  QLineEdit* question_ = nullptr;
  QPushButton* ask_button_ = nullptr;
  QPushButton* stop_button_ = nullptr;
  QPlainTextEdit* answer_ = nullptr;
  QListWidget* citations_ = nullptr;
  QLabel* status_ = nullptr;
  QList<Citation> current_citations_;
  bool answering_ = false;
};

}  // namespace quire::ui
