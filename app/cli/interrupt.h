// InterruptToStop: turns Ctrl-C into a std::stop_source request while it lives, for commands
// that run cancellable work (ingest, generate, perplexity). The work then returns
// Errc::cancelled and the command exits with 130.
//
// Why a handler and not a blocked signal: libraries start threads before main() (OpenBLAS does,
// in its constructor), and the kernel may deliver a process-wide SIGINT to any thread that does
// not block it, so blocking SIGINT in our own threads cannot catch it. A SIGINT handler is
// process-wide: it only stores to a lock-free atomic (async-signal-safe), and a watcher thread
// turns that into request_stop(). The previous disposition is restored on destruction.
// One instance at a time per process.
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
  std::stop_source* source_;  // borrowed: outlives this object
  struct sigaction previous_{};
  std::jthread watcher_;
};

}  // namespace quire::app
