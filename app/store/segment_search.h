// Full-text search (SQLite FTS5, bm25 ranking) over the segments of every ingested document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"

namespace quire::app {

class Database;

struct SearchOptions {
  int limit = 20;                   // 1..1000
  std::string mark_begin = "[";     // around each matched term in the snippet
  std::string mark_end = "]";
  int snippet_tokens = 16;          // 1..64, FTS5's snippet length in tokens
  std::vector<int64_t> document_ids;  // when not empty: only these documents' segments
  bool any_word = false;            // match segments with any of the words (OR), not all (AND)
};

struct SearchHit {
  int64_t document_id = 0;
  std::string document_title;
  std::string document_path;
  int64_t segment_ordinal = 0;
  int64_t char_begin = 0;
  int64_t char_end = 0;
  std::optional<int> page;
  std::string page_label;
  std::string chapter;
  std::string file;
  int line_start = 0;
  int line_end = 0;
  std::string snippet;
  double score = 0.0;  // bm25: lower is a better match; hits come best first
};

// Every word of `query` must occur (AND), in any order; words are matched as FTS5 tokens
// (case- and diacritic-insensitive). With options.any_word one word suffices (OR), for ranking
// by a question. Quotes and FTS5 operators in the query are taken literally, so any text a
// person types is a valid query. An empty query gives Errc::invalid_argument.
Result<std::vector<SearchHit>> search_segments(Database& db, std::string_view query,
                                               const SearchOptions& options = {});

// The FTS5 MATCH expression search_segments() uses for `query`: each whitespace-separated word
// as a quoted string ("a" "b""c"), joined by " OR " when any_word. Empty when the query has no
// words.
std::string fts5_literal_query(std::string_view query, bool any_word = false);

}  // namespace quire::app
