#include "engine/base/progress.h"

#include <chrono>
#include <cmath>

namespace quire {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

ProgressTracker::ProgressTracker(std::string stage, std::string unit, int64_t total,
                                 ProgressSink sink, SecondsClock clock, double min_interval_s,
                                 double window_s)
    : sink_(std::move(sink)),
      clock_(std::move(clock)),
      min_interval_s_(min_interval_s),
      window_s_(window_s),
      start_s_(clock_()) {
  update_.stage = std::move(stage);
  update_.unit = std::move(unit);
  update_.total = total;
  samples_.emplace_back(start_s_, 0);
}

void ProgressTracker::set_total(int64_t total) { update_.total = total; }

void ProgressTracker::set_done(int64_t done) {
  if (update_.finished) return;
  update_.done = done;
  const double now = clock_();
  samples_.emplace_back(now, done);
  // Keep one sample older than the window so the rate always spans at least window_s.
  while (samples_.size() > 2 && now - samples_[1].first >= window_s_) samples_.pop_front();
  if (last_emit_s_ < 0.0 || now - last_emit_s_ >= min_interval_s_) report(now);
}

void ProgressTracker::finish() {
  if (update_.finished) return;
  if (update_.total > 0) update_.done = update_.total;
  update_.finished = true;
  report(clock_());
}

void ProgressTracker::refresh(double now) {
  update_.elapsed_s = now - start_s_;
  const auto& [t0, d0] = samples_.front();
  const double span = now - t0;
  update_.rate_per_s = span > 0.0 ? double(update_.done - d0) / span : 0.0;
  if (update_.finished) {
    update_.eta_s = 0.0;
  } else if (update_.total > 0 && update_.rate_per_s > 0.0) {
    update_.eta_s = double(update_.total - update_.done) / update_.rate_per_s;
  } else {
    update_.eta_s = -1.0;
  }
}

void ProgressTracker::report(double now) {
  refresh(now);
  last_emit_s_ = now;
  if (sink_) sink_(update_);
}

std::string format_duration(double seconds) {
  if (seconds < 0.0 || !std::isfinite(seconds)) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

Error cancelled_error(std::string_view what) {
  return make_error(Errc::cancelled, "{} was cancelled", what);
}

}  // namespace quire
