// AnswerBackend: what the chat panel asks questions of. AskBackend (ask_backend.h) is the real
// one (the ask pipeline over a loaded model and the open document); tests also use a fake
// streaming one.
//
// Contract: start(question) begins one answer; the backend then emits, on the GUI thread,
// any number of pieceReceived() with consecutive pieces of the answer text, then at most one
// citationsReady(), then exactly one finished() (stopped = true when stop() ended it early) or
// failed() with a message a person can act on. stop() during an answer ends it soon; after
// finished()/failed() it does nothing. start() while an answer runs is the caller's error: the
// panel never does it. Backends do their work on their own worker threads and never block.
#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include "ui/location.h"

namespace quire::ui {

struct Citation {
  Location location;
  QString quote;  // the cited passage as the answer quotes it (shown in the list)
};

class AnswerBackend : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;

  virtual void start(const QString& question) = 0;
  virtual void stop() = 0;

 signals:
  void pieceReceived(const QString& piece);
  void citationsReady(const QList<quire::ui::Citation>& citations);
  void finished(bool stopped);
  void failed(const QString& message);
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(quire::ui::Citation)
