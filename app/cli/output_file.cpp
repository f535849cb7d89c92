#include "app/cli/output_file.h"

#include <span>

#include "app/store/durable_file.h"

namespace quire::app {

Result<void> write_output_file(const std::filesystem::path& target, std::string_view text) {
  const std::filesystem::path temp = target.string() + ".part";
  bool done = false;
  auto next = [&]() -> Result<std::span<const std::byte>> {
    if (done) return std::span<const std::byte>{};
    done = true;
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
  };
  if (auto w = write_temp_durably(temp, next); !w) return w;
  return publish_durably(temp, target);
}

}  // namespace quire::app
