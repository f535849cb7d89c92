// LibraryListing: what the library sidebar shows, read from the store in one worker job
// (LibraryController::refresh) and handed to the GUI thread by value.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "app/store/batch_repo.h"
#include "app/store/document_repo.h"
#include "app/store/session_repo.h"

namespace quire::ui {

struct LibraryListing {
  std::vector<app::DocumentRow> documents;                   // most recently ingested first
  std::map<int64_t, std::vector<app::SessionRow>> sessions;  // by document id, newest first
  std::vector<app::BatchRunRow> batch_runs;                  // newest first
};

}  // namespace quire::ui
