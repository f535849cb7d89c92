#include "app/cli/interrupt.h"

#include <atomic>
#include <chrono>

namespace quire::app {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the SIGINT handler needs a lock-free flag");

extern "C" void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

InterruptToStop::InterruptToStop(std::stop_source& source) : source_(&source) {
  g_interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_);
  watcher_ = std::jthread([&source](std::stop_token done) {
    while (!done.stop_requested()) {
      if (g_interrupted.load(std::memory_order_relaxed)) {
        source.request_stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

InterruptToStop::~InterruptToStop() {
  watcher_.request_stop();
  watcher_.join();
  // A Ctrl-C that arrived after the watcher's last look still counts.
  if (g_interrupted.load()) source_->request_stop();
  sigaction(SIGINT, &previous_, nullptr);
}

}  // namespace quire::app
