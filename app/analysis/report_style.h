// The stylesheet of Quire's self-contained HTML pages (session exports, batch exports, answer
// reports), inlined in each page's <style>: one look for every page Quire writes, no external
// references.
#pragma once

#include <string_view>

namespace quire::app {

inline constexpr std::string_view kReportStyle =
    "body{font-family:sans-serif;max-width:800px;margin:2em auto;line-height:1.45;color:#222}"
    ".msg{border-left:4px solid #ccc;padding:.2em 1em;margin:1em 0;white-space:pre-wrap}"
    ".user{border-color:#4a6fa5}.assistant{border-color:#a54a4a}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
    "vertical-align:top}.meta{color:#666;font-size:.9em}";

}  // namespace quire::app
