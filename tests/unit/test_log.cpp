#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/base/log.h"

namespace quire::log {
namespace {

// Captures lines for one test and restores the defaults afterwards.
class LogCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = level();
    set_sink([this](Level l, std::string_view line) { lines_.emplace_back(l, std::string(line)); });
  }
  void TearDown() override {
    set_sink({});
    set_level(saved_);
  }
  std::vector<std::pair<Level, std::string>> lines_;
  Level saved_ = Level::info;
};

TEST_F(LogCapture, FiltersByLevelAndFormats) {
  set_level(Level::warn);
  info("hidden {}", 1);
  warn("shown {} of {}", 2, "three");
  error("also shown");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0].first, Level::warn);
  EXPECT_EQ(lines_[0].second, "shown 2 of three");
  EXPECT_EQ(lines_[1].first, Level::error);
}

TEST_F(LogCapture, OffSilencesEverything) {
  set_level(Level::off);
  error("nothing");
  EXPECT_TRUE(lines_.empty());
}

TEST_F(LogCapture, WholeLinesFromManyThreads) {
  set_level(Level::info);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) info("thread {} line {}", t, i);
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(lines_.size(), 400u);
  for (const auto& [l, line] : lines_) EXPECT_EQ(line.rfind("thread ", 0), 0u) << line;
}

TEST(LogLevel, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_level("DEBUG"), Level::debug);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("off"), Level::off);
  EXPECT_FALSE(parse_level("loud").has_value());
}

}  // namespace
}  // namespace quire::log
