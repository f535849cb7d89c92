#include "engine/base/log.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace quire::log {
namespace {

Level initial_level() {
  if (const char* env = std::getenv("QUIRE_LOG")) {
    if (auto parsed = parse_level(env)) return *parsed;
  }
  return Level::info;
}

struct State {
  std::atomic<Level> level{initial_level()};
  std::mutex mutex;
  Sink sink;  // empty: stderr
};

State& state() {
  static State s;
  return s;
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "off";
}

std::optional<Level> parse_level(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::off}) {
    if (lower == level_name(l)) return l;
  }
  return std::nullopt;
}

void set_level(Level level) { state().level.store(level); }
Level level() { return state().level.load(); }

void set_sink(Sink sink) {
  std::lock_guard lock(state().mutex);
  state().sink = std::move(sink);
}

bool enabled(Level level) { return level != Level::off && level >= state().level.load(); }

void write(Level level, std::string_view line) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.sink) {
    s.sink(level, line);
  } else {
    fmt::print(stderr, "quire: {}: {}\n", level_name(level), line);
  }
}

}  // namespace quire::log
