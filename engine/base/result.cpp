#include "engine/base/result.h"

namespace quire {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::permission_denied: return "permission_denied";
    case Errc::io_error: return "io_error";
    case Errc::no_space: return "no_space";
    case Errc::corrupt_data: return "corrupt_data";
    case Errc::unsupported: return "unsupported";
    case Errc::mismatch: return "mismatch";
    case Errc::context_overflow: return "context_overflow";
    case Errc::out_of_memory: return "out_of_memory";
    case Errc::cancelled: return "cancelled";
    case Errc::internal: return "internal";
  }
  return "internal";
}

std::string Error::describe() const { return fmt::format("{}: {}", errc_name(code), message); }

}  // namespace quire
