#include "app/models/system_memory.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace quire::app {
namespace {

// The kB value of "Key:   123 kB" when `line` starts with key; nullopt otherwise or if malformed.
std::optional<int64_t> field_kb(std::string_view line, std::string_view key) {
  if (line.substr(0, key.size()) != key || line.size() <= key.size() || line[key.size()] != ':') {
    return std::nullopt;
  }
  std::string_view rest = line.substr(key.size() + 1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  int64_t kb = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
  if (ec != std::errc() || kb < 0 || kb > (int64_t{1} << 50)) return std::nullopt;
  std::string_view unit(end, size_t(rest.data() + rest.size() - end));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.substr(0, 2) != "kB") return std::nullopt;
  return kb;
}

}  // namespace

std::optional<SystemMemory> parse_meminfo(std::string_view text) {
  std::optional<int64_t> total, available;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    if (auto v = field_kb(line, "MemTotal")) total = v;
    if (auto v = field_kb(line, "MemAvailable")) available = v;
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  if (!total || !available) return std::nullopt;
  return SystemMemory{*total * 1024, *available * 1024};
}

SystemMemory system_memory() {
  std::ifstream in("/proc/meminfo");
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    if (auto m = parse_meminfo(text.str())) return *m;
  }
  const long page = ::sysconf(_SC_PAGESIZE);
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long free_pages = ::sysconf(_SC_AVPHYS_PAGES);
  if (page <= 0 || pages <= 0 || free_pages < 0) return {};
  return SystemMemory{int64_t(pages) * page, int64_t(free_pages) * page};
}

MemoryFit memory_fit(const engine::MemoryEstimate& estimate, const SystemMemory& memory) {
  if (memory.available <= 0) return MemoryFit::fits;
  const int64_t need = estimate.total();
  if (need > memory.available) return MemoryFit::does_not_fit;
  if (need > memory.available - memory.available / 4) return MemoryFit::tight;
  return MemoryFit::fits;
}

std::string memory_fit_message(const engine::MemoryEstimate& estimate,
                               const SystemMemory& memory) {
  const MemoryFit fit = memory_fit(estimate, memory);
  if (fit == MemoryFit::fits) return {};
  const std::string numbers =
      fmt::format("needs {} (weights {}, KV cache {}{}), {} of {} is available",
                  format_bytes(estimate.total()), format_bytes(estimate.weights),
                  format_bytes(estimate.kv_cache),
                  estimate.tensorized > 0
                      ? fmt::format(", tensorized states {}", format_bytes(estimate.tensorized))
                      : std::string(),
                  format_bytes(memory.available), format_bytes(memory.total));
  if (fit == MemoryFit::tight) {
    return fmt::format("Tight: this model {}; other programs may be swapped out. A shorter "
                       "context or the q8_0 KV type leaves more room.",
                       numbers);
  }
  return fmt::format("Will not fit: this model {}. Choose a shorter context, the q8_0 KV type "
                     "or a smaller quantization of the model.",
                     numbers);
}

}  // namespace quire::app
