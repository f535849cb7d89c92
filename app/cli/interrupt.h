// InterruptToStop: turns Ctrl-C into a std::stop_source request while it lives, for commands
// that run cancellable work (ingest, generate, perplexity). SIGINT is blocked in the creating
// thread (and in threads it starts later) and a watcher thread takes it with sigtimedwait, so no
// code runs in a signal handler. The work then returns Errc::cancelled and the exit code is 130.
// Create it before any worker thread so that the workers inherit the blocked mask.
#pragma once

#include <csignal>
#include <stop_token>
#include <thread>

namespace quire::app {

class InterruptToStop {
 public:
  explicit InterruptToStop(std::stop_source& source);
  ~InterruptToStop();
  InterruptToStop(const InterruptToStop&) = delete;
  InterruptToStop& operator=(const InterruptToStop&) = delete;

 private:
  sigset_t set_{};
  sigset_t previous_{};
  std::jthread watcher_;
};

}  // namespace quire::app
