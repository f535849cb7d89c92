// How much memory this machine can give a model, and whether an estimate (memory_estimate.h)
// fits: what the model manager says before loading.
//
// Linux: /proc/meminfo's MemAvailable (the kernel's estimate of what can be allocated without
// swapping, page cache included) and MemTotal; elsewhere, or when the file cannot be read,
// sysconf(_SC_AVPHYS_PAGES / _SC_PHYS_PAGES) * page size.
//
// Threads: pure functions plus one file read; safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/documents/file_bytes.h"  // format_bytes, for callers showing the numbers
#include "engine/runtime/memory_estimate.h"

namespace quire::app {

struct SystemMemory {
  int64_t total = 0;      // bytes of RAM
  int64_t available = 0;  // bytes that can be allocated now without swapping
};

// Parses /proc/meminfo text ("MemTotal:  16318444 kB" lines, any order). nullopt when MemTotal
// or MemAvailable is missing or malformed. Values are kB (1024 bytes), as the kernel writes them.
std::optional<SystemMemory> parse_meminfo(std::string_view text);

// This machine's memory (see above); zeros when nothing can tell.
SystemMemory system_memory();

enum class MemoryFit { fits, tight, does_not_fit };

// fits: the estimate leaves at least a quarter of the available memory free (for the rest of
// the desktop); tight: it fits in what is available but not with that margin; does_not_fit: more
// than is available. A machine whose memory is unknown (available == 0) is taken to fit.
MemoryFit memory_fit(const engine::MemoryEstimate& estimate, const SystemMemory& memory);

// What to tell a person: for does_not_fit and tight, how much is needed and available and what
// to change (a shorter context, a q8_0 KV cache, a smaller quantization); empty for fits.
std::string memory_fit_message(const engine::MemoryEstimate& estimate,
                               const SystemMemory& memory);

}  // namespace quire::app
