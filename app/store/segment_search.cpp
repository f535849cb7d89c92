#include "app/store/segment_search.h"

#include <cctype>

#include "app/store/database.h"

namespace quire::app {

std::string fts5_literal_query(std::string_view query, bool any_word) {
  std::string out;
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    if (i == query.size()) break;
    if (!out.empty()) out += any_word ? " OR " : " ";
    out.push_back('"');
    for (; i < query.size() && !std::isspace(static_cast<unsigned char>(query[i])); ++i) {
      if (query[i] == '"') out.push_back('"');
      out.push_back(query[i]);
    }
    out.push_back('"');
  }
  return out;
}

Result<std::vector<SearchHit>> search_segments(Database& db, std::string_view query,
                                               const SearchOptions& options) {
  const std::string match = fts5_literal_query(query, options.any_word);
  if (match.empty()) {
    return make_error(Errc::invalid_argument, "the search query is empty; give one or more words");
  }
  if (options.limit < 1 || options.limit > 1000 || options.snippet_tokens < 1 ||
      options.snippet_tokens > 64) {
    return make_error(Errc::invalid_argument,
                      "search limit {} or snippet length {} is out of range (limit 1..1000, "
                      "snippet 1..64 tokens)",
                      options.limit, options.snippet_tokens);
  }
  std::string restrict;
  for (size_t i = 0; i < options.document_ids.size(); ++i) {
    restrict += i == 0 ? " AND d.id IN (?" : ", ?";
  }
  if (!restrict.empty()) restrict += ")";
  auto st = db.prepare(
      "SELECT d.id, d.title, d.path, s.ordinal, s.char_begin, s.char_end, s.page, s.page_label, "
      "s.chapter, s.file, s.line_start, s.line_end, "
      "snippet(segments_fts, 0, ?, ?, '…', ?), bm25(segments_fts) "
      "FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
      "JOIN documents d ON d.id = s.document_id "
      "WHERE segments_fts MATCH ?" + restrict + " ORDER BY bm25(segments_fts), s.id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, options.mark_begin).bind(2, options.mark_end).bind(3, options.snippet_tokens);
  st->bind(4, match);
  int index = 5;
  for (int64_t id : options.document_ids) st->bind(index++, id);
  st->bind(index, options.limit);
  std::vector<SearchHit> hits;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return hits;
    SearchHit h;
    h.document_id = st->column_int64(0);
    h.document_title = st->column_text(1);
    h.document_path = st->column_text(2);
    h.segment_ordinal = st->column_int64(3);
    h.char_begin = st->column_int64(4);
    h.char_end = st->column_int64(5);
    if (auto page = st->column_optional_int64(6)) h.page = static_cast<int>(*page);
    h.page_label = st->column_text(7);
    h.chapter = st->column_text(8);
    h.file = st->column_text(9);
    h.line_start = static_cast<int>(st->column_int64(10));
    h.line_end = static_cast<int>(st->column_int64(11));
    h.snippet = st->column_text(12);
    h.score = st->column_double(13);
    hits.push_back(std::move(h));
  }
}

}  // namespace quire::app
