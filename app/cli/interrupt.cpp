#include "app/cli/interrupt.h"

#include <pthread.h>

#include <ctime>

namespace quire::app {

InterruptToStop::InterruptToStop(std::stop_source& source) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  watcher_ = std::jthread([this, &source](std::stop_token done) {
    while (!done.stop_requested()) {
      const timespec tick{0, 100'000'000};
      if (sigtimedwait(&set_, nullptr, &tick) == SIGINT) {
        source.request_stop();
        return;
      }
    }
  });
}

InterruptToStop::~InterruptToStop() {
  watcher_.request_stop();
  watcher_.join();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace quire::app
