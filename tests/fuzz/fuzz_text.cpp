// Fuzz target: the text side of the loaders on arbitrary bytes: encoding detection, plain text
// and Markdown segmentation, HTML to text, and .gitignore rules matched against a path taken
// from the same input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/documents/gitignore.h"
#include "app/documents/html_text.h"
#include "app/documents/text_encoding.h"
#include "app/documents/text_loader.h"
#include "fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quire::app;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  DecodedText decoded = decode_text(bytes);
  if (!is_valid_utf8(decoded.utf8)) __builtin_trap();
  fuzzing::check_document(segment_text(decoded.utf8, false));
  fuzzing::check_document(segment_text(decoded.utf8, true));
  const HtmlText html = html_to_text(decoded.utf8);
  for (const HtmlHeading& h : html.headings) {
    if (h.offset < 0 || h.offset > int64_t(html.text.size())) __builtin_trap();
  }
  GitignoreRules rules;
  const size_t cut = bytes.find('\0');
  rules.add(bytes.substr(0, cut), "");
  if (cut != std::string_view::npos) {
    const std::string_view path = bytes.substr(cut + 1, 256);
    (void)rules.ignored(path, false);
    (void)rules.ignored(path, true);
  }
  return 0;
}
