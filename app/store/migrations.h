// Numbered schema migrations (resources/sql/NNN_what.sql), embedded into the binary at build time
// by cmake/embed_sql.cmake. PRAGMA user_version holds the number of the last applied migration.
#pragma once

#include <span>
#include <string_view>

#include "engine/base/result.h"

namespace quire::app {

class Database;

struct Migration {
  int version;            // 1, 2, 3 ... (the file's NNN)
  std::string_view name;  // "001_initial.sql"
  std::string_view sql;
};

// Every migration in this build, in version order (generated source).
std::span<const Migration> embedded_migrations();

// The schema version this build writes: embedded_migrations().back().version.
int latest_schema_version();

// Applies, in order and each inside its own IMMEDIATE transaction together with its
// user_version bump, every migration newer than the database. Safe when several connections
// open the same file at once: the version is re-read under the write lock. A database newer than
// `migrations` gives Errc::unsupported with advice (use a newer Quire).
Result<void> migrate(Database& db, std::span<const Migration> migrations);

}  // namespace quire::app
