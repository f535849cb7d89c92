// Logging for every Quire module: levelled lines to a replaceable sink.
//
// Thread safety: all functions may be called from any thread; the sink is called under a lock,
// one whole line at a time. Default: lines at or above Level::info go to stderr. The level starts
// from the QUIRE_LOG environment variable (trace|debug|info|warn|error|off) when it is set.
// The state is process-wide on purpose (like llama_log_set): a log line may come from deep inside
// a kernel or a worker thread, where no logger object could be passed.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <string_view>
#include <utility>

namespace quire::log {

enum class Level { trace, debug, info, warn, error, off };

std::string_view level_name(Level level);
// Parses "debug", "WARN", ...; nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);

using Sink = std::function<void(Level, std::string_view line)>;

void set_level(Level level);
Level level();
// Replaces the sink; an empty function restores the stderr sink.
void set_sink(Sink sink);

bool enabled(Level level);
void write(Level level, std::string_view line);

template <class... Args>
void logf(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(level)) write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) { logf(Level::debug, f, std::forward<Args>(a)...); }
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... a) { logf(Level::info, f, std::forward<Args>(a)...); }
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) { logf(Level::warn, f, std::forward<Args>(a)...); }
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... a) { logf(Level::error, f, std::forward<Args>(a)...); }

}  // namespace quire::log
