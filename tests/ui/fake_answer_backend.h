// FakeAnswerBackend: TEST CODE ONLY. A stand-in for the ask pipeline that streams a fixed answer
// in pieces on a timer (so the GUI sees a real event-loop stream), then its citations, then
// finished(). stop() ends the stream early with finished(true). Used to test the chat panel and
// citation jumps without a model.
#pragma once

#include <QList>
#include <QStringList>
#include <QTimer>

#include "ui/answer_backend.h"

namespace quire::ui::testing {

class FakeAnswerBackend : public AnswerBackend {
  Q_OBJECT

 public:
  // pieces: streamed one per `interval_ms`; citations: sent after the last piece.
  FakeAnswerBackend(QStringList pieces, QList<Citation> citations, int interval_ms = 5,
                    QObject* parent = nullptr);

  void start(const QString& question) override;
  void stop() override;

  QStringList questions() const { return questions_; }
  int pieces_sent() const { return next_; }

 private:
  void tick();

  QStringList pieces_;
  QList<Citation> citations_;
  QTimer timer_;
  QStringList questions_;
  int next_ = 0;
  bool running_ = false;
};

}  // namespace quire::ui::testing
