#include "app/cli/exit_codes.h"

#include <fmt/format.h>

namespace quire::app {

int exit_code_for(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return kExitUsage;
    case Errc::not_found:
    case Errc::permission_denied:
    case Errc::corrupt_data:
    case Errc::unsupported: return kExitBadInput;
    case Errc::mismatch:
    case Errc::context_overflow:
    case Errc::out_of_memory: return kExitMismatch;
    case Errc::cancelled: return kExitCancelled;
    case Errc::io_error:
    case Errc::no_space:
    case Errc::internal: return kExitFailure;
  }
  return kExitFailure;
}

int report_error(const Error& error) {
  fmt::print(stderr, "quire-cli: {}\n", error.message);
  return exit_code_for(error.code);
}

}  // namespace quire::app
