// Fuzz target: the EPUB loader (libarchive + OPF + XHTML) on arbitrary bytes. Small caps keep
// each input fast; a zip bomb must hit them and return an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/documents/epub_loader.h"
#include "fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  quire::app::ExtractOptions options;
  options.max_total_bytes = 4 << 20;
  options.max_archive_entries = 256;
  std::stop_source never;
  auto doc = quire::app::load_epub_bytes(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.epub",
      never.get_token(), options, {});
  if (doc) quire::app::fuzzing::check_document(*doc);
  return 0;
}
