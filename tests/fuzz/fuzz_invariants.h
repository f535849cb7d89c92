// What every Document a loader returns must satisfy, checked by the fuzz targets: segments in
// order, inside the text, without overlap; text valid UTF-8; pages 1-based and in range.
// A violation traps, which libFuzzer and the replay driver report as a crash.
#pragma once

#include "app/documents/document.h"
#include "app/documents/text_encoding.h"

namespace quire::app::fuzzing {

inline void check_document(const Document& doc) {
  int64_t at = 0;
  for (const Segment& s : doc.segments) {
    if (s.char_begin < at || s.char_end < s.char_begin || s.char_end > int64_t(doc.text.size())) {
      __builtin_trap();
    }
    if (s.page && (*s.page < 1 || (doc.pages > 0 && *s.page > doc.pages))) __builtin_trap();
    if (s.line_start < 0 || s.line_end < s.line_start) __builtin_trap();
    at = s.char_end;
  }
  if (!is_valid_utf8(doc.text)) __builtin_trap();
}

}  // namespace quire::app::fuzzing
