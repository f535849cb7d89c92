// Fuzz target: the PDF loader on arbitrary bytes. It must return a Document or an Error, never
// crash, hang or break the Document invariants (checked by check_document).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/documents/pdf_loader.h"
#include "fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  quire::app::ExtractOptions options;
  options.max_total_bytes = 8 << 20;
  std::stop_source never;
  auto doc = quire::app::load_pdf_bytes(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.pdf", never.get_token(),
      options, {});
  if (doc) quire::app::fuzzing::check_document(*doc);
  return 0;
}
