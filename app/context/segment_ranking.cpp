#include "app/context/segment_ranking.h"

#include "app/store/segment_search.h"

namespace quire::app {

Result<std::vector<SegmentRef>> rank_segments_for_question(
    Database& db, const std::vector<ContextDocument>& documents, std::string_view question) {
  std::vector<SegmentRef> ranking;
  SearchOptions options;
  options.limit = 1000;
  options.any_word = true;
  options.snippet_tokens = 1;  // snippets are not used; keep FTS5's work small
  for (const ContextDocument& d : documents) {
    if (d.store_id != 0) options.document_ids.push_back(d.store_id);
  }
  if (options.document_ids.empty() || fts5_literal_query(question).empty()) return ranking;
  auto hits = search_segments(db, question, options);
  if (!hits) return hits.error();
  for (const SearchHit& h : *hits) {
    for (size_t i = 0; i < documents.size(); ++i) {
      const Document* doc = documents[i].document;
      if (documents[i].store_id != h.document_id || doc == nullptr) continue;
      // Ordinals are indexes into the stored segment list; a document changed since it was
      // stored may have fewer segments, and such a hit is dropped rather than trusted.
      if (h.segment_ordinal >= 0 && h.segment_ordinal < int64_t(doc->segments.size())) {
        ranking.push_back({static_cast<int32_t>(i), static_cast<int32_t>(h.segment_ordinal)});
      }
    }
  }
  return ranking;
}

}  // namespace quire::app
