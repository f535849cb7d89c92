// Progress reporting and cancellation for long work (ingestion, prefill, batch runs).
//
// Cancellation is std::stop_token: every long operation takes one and returns Errc::cancelled
// when it is stopped. Progress is a ProgressTracker that the worker advances; it derives the rate
// (over a sliding window, so a slowing prefill shows an honest ETA) and calls a sink at most every
// `min_interval_s` seconds, plus once at the first and at the final update.
//
// Thread: a tracker belongs to the worker thread that advances it; the sink runs on that thread
// (a GUI sink forwards to its own thread with a queued signal).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <stop_token>
#include <string>
#include <utility>

#include "engine/base/result.h"

namespace quire {

struct ProgressUpdate {
  std::string stage;         // what is being done: "prefill", "ingest"
  std::string unit;          // what is counted: "tokens", "pages", "files"
  int64_t done = 0;
  int64_t total = 0;         // 0 when unknown
  double elapsed_s = 0.0;    // since the tracker started
  double rate_per_s = 0.0;   // units per second over the recent window; 0 until measurable
  double eta_s = -1.0;       // seconds left at the current rate; negative when unknown
  bool finished = false;

  double fraction() const { return total > 0 ? double(done) / double(total) : 0.0; }
};

using ProgressSink = std::function<void(const ProgressUpdate&)>;
// Monotonic seconds; injectable so tests can drive time.
using SecondsClock = std::function<double()>;

double steady_seconds();

class ProgressTracker {
 public:
  ProgressTracker(std::string stage, std::string unit, int64_t total, ProgressSink sink,
                  SecondsClock clock = steady_seconds, double min_interval_s = 0.1,
                  double window_s = 10.0);

  void advance(int64_t n = 1) { set_done(update_.done + n); }
  void set_done(int64_t done);
  void set_total(int64_t total);
  // Reports the final state (done == total when total is known) exactly once.
  void finish();

  const ProgressUpdate& current() const { return update_; }

 private:
  void refresh(double now);
  void report(double now);

  ProgressSink sink_;
  SecondsClock clock_;
  double min_interval_s_;
  double window_s_;
  double start_s_;
  double last_emit_s_ = -1.0;
  std::deque<std::pair<double, int64_t>> samples_;  // (time, done) inside the rate window
  ProgressUpdate update_;
};

// Formats seconds as "42s", "3m05s", "1h02m" for progress lines; "?" when negative.
std::string format_duration(double seconds);

// The error every cancelled operation returns.
Error cancelled_error(std::string_view what);

}  // namespace quire
