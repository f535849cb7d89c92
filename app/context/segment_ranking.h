// Ranking of a context's segments by a question, for the `ranked` overflow policy: SQLite FTS5
// (bm25) over the question's words, any of them matching, restricted to the given documents.
//
// Threads: uses the caller's Database on the caller's thread.
#pragma once

#include <string_view>
#include <vector>

#include "app/context/context_builder.h"
#include "engine/base/result.h"

namespace quire::app {

class Database;

// The documents' segments that contain any word of `question`, best match first, as refs into
// `documents` (for ContextRequest::ranking). Documents with store_id 0 are not in the store and
// never ranked; a question without words ranks nothing. At most 1000 segments are ranked; the
// rest keep document order behind them. Errors: the store's (io_error, corrupt_data).
Result<std::vector<SegmentRef>> rank_segments_for_question(
    Database& db, const std::vector<ContextDocument>& documents, std::string_view question);

}  // namespace quire::app
