#include "ui/job_runner.h"

#include <QMetaObject>

#include <utility>

namespace quire::ui {

JobRunner::JobRunner(QObject* parent) : QObject(parent) {}

JobRunner::~JobRunner() { shutdown(); }

void JobRunner::submit(Job job) {
  if (shut_down_) return;
  queue_.push_back(std::move(job));
  if (!running_) start_next();
}

void JobRunner::post(std::function<void()> fn) {
  QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection);
}

void JobRunner::cancel_all() {
  queue_.clear();
  if (worker_.joinable()) worker_.request_stop();
}

void JobRunner::shutdown() {
  shut_down_ = true;
  cancel_all();
  if (worker_.joinable()) worker_.join();
  running_ = false;
}

void JobRunner::start_next() {
  if (queue_.empty()) {
    emit idle();
    return;
  }
  Job job = std::move(queue_.front());
  queue_.pop_front();
  // The previous worker has posted job_done() as its last act, so this join returns at once.
  if (worker_.joinable()) worker_.join();
  running_ = true;
  worker_ = std::jthread([this, job = std::move(job)](std::stop_token stop) {
    job(stop);
    post([this] { job_done(); });
  });
}

void JobRunner::job_done() {
  running_ = false;
  if (!shut_down_) start_next();
}

}  // namespace quire::ui
