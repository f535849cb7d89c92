#include "fake_answer_backend.h"

#include <utility>

namespace quire::ui::testing {

FakeAnswerBackend::FakeAnswerBackend(QStringList pieces, QList<Citation> citations,
                                     int interval_ms, QObject* parent)
    : AnswerBackend(parent), pieces_(std::move(pieces)), citations_(std::move(citations)) {
  timer_.setInterval(interval_ms);
  connect(&timer_, &QTimer::timeout, this, &FakeAnswerBackend::tick);
}

void FakeAnswerBackend::start(const QString& question) {
  questions_ << question;
  next_ = 0;
  running_ = true;
  timer_.start();
}

void FakeAnswerBackend::stop() {
  if (!running_) return;
  running_ = false;
  timer_.stop();
  emit finished(true);
}

void FakeAnswerBackend::tick() {
  if (next_ < pieces_.size()) {
    emit pieceReceived(pieces_[next_++]);
    return;
  }
  timer_.stop();
  running_ = false;
  emit citationsReady(citations_);
  emit finished(false);
}

}  // namespace quire::ui::testing
