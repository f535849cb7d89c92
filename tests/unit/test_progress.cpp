#include <gtest/gtest.h>

#include <vector>

#include "engine/base/progress.h"

namespace quire {
namespace {

struct FakeClock {
  double now = 100.0;
  SecondsClock fn() {
    return [this] { return now; };
  }
};

TEST(Progress, RateAndEtaFromTheWindow) {
  FakeClock clock;
  std::vector<ProgressUpdate> seen;
  ProgressTracker p("prefill", "tokens", 1000, [&](const ProgressUpdate& u) { seen.push_back(u); },
                    clock.fn(), /*min_interval_s=*/0.0, /*window_s=*/10.0);
  clock.now += 2.0;
  p.set_done(200);  // 100 tokens/s
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_DOUBLE_EQ(seen.back().rate_per_s, 100.0);
  EXPECT_DOUBLE_EQ(seen.back().eta_s, 8.0);
  EXPECT_DOUBLE_EQ(seen.back().elapsed_s, 2.0);
  EXPECT_DOUBLE_EQ(seen.back().fraction(), 0.2);

  // The work slows to 10 tokens/s; once the window has passed, the rate shows only that.
  for (int i = 0; i < 20; ++i) {
    clock.now += 1.0;
    p.advance(10);
  }
  EXPECT_NEAR(seen.back().rate_per_s, 10.0, 1e-9);
  EXPECT_NEAR(seen.back().eta_s, (1000.0 - 400.0) / 10.0, 1e-9);
}

TEST(Progress, ThrottlesButAlwaysReportsTheEnd) {
  FakeClock clock;
  int calls = 0;
  ProgressUpdate last;
  ProgressTracker p("ingest", "pages", 100,
                    [&](const ProgressUpdate& u) {
                      ++calls;
                      last = u;
                    },
                    clock.fn(), /*min_interval_s=*/1.0);
  for (int i = 0; i < 50; ++i) {
    clock.now += 0.01;
    p.advance();
  }
  EXPECT_EQ(calls, 1);  // only the first update inside the first second
  p.finish();
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.done, 100);
  EXPECT_DOUBLE_EQ(last.eta_s, 0.0);
  p.finish();
  p.advance();
  EXPECT_EQ(calls, 2);  // nothing after the end
}

TEST(Progress, UnknownTotalHasNoEta) {
  FakeClock clock;
  ProgressUpdate last;
  ProgressTracker p("scan", "files", 0, [&](const ProgressUpdate& u) { last = u; }, clock.fn(), 0.0);
  clock.now += 1.0;
  p.set_done(5);
  EXPECT_LT(last.eta_s, 0.0);
  EXPECT_DOUBLE_EQ(last.rate_per_s, 5.0);
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(42.2), "42s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(Cancellation, CancelledErrorSaysWhat) {
  std::stop_source source;
  std::stop_token token = source.get_token();
  EXPECT_FALSE(token.stop_requested());
  source.request_stop();
  EXPECT_TRUE(token.stop_requested());
  const Error e = cancelled_error("prefill");
  EXPECT_EQ(e.code, Errc::cancelled);
  EXPECT_EQ(e.message, "prefill was cancelled");
}

}  // namespace
}  // namespace quire
