#include "app/store/migrations.h"

#include "app/store/database.h"

namespace quire::app {

int latest_schema_version() { return embedded_migrations().back().version; }

Result<void> migrate(Database& db, std::span<const Migration> migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  // Cheap check without the write lock: most opens find nothing to do.
  auto current = db.query_int64("PRAGMA user_version");
  if (!current) return current.error();
  if (*current == latest) return {};
  for (const Migration& m : migrations) {
    auto tx = db.begin();
    if (!tx) return tx.error();
    // Another connection may have migrated while this one waited for the lock.
    auto version = db.query_int64("PRAGMA user_version");
    if (!version) return version.error();
    if (*version > latest) {
      return make_error(Errc::unsupported,
                        "database {} has schema version {}, newer than this Quire understands "
                        "({}); run a newer Quire, or move the file aside to start a new one",
                        db.path().string(), *version, latest);
    }
    if (*version >= m.version) continue;
    if (*version != m.version - 1) {
      return make_error(Errc::internal, "migration {} expects schema version {}, found {}", m.name,
                        m.version - 1, *version);
    }
    if (auto ok = db.exec(m.sql); !ok) {
      Error e = ok.error();
      e.message = fmt::format("applying migration {}: {}", m.name, e.message);
      return e;
    }
    if (auto ok = db.exec(fmt::format("PRAGMA user_version={}", m.version)); !ok) return ok.error();
    if (auto ok = tx->commit(); !ok) return ok.error();
  }
  return {};
}

}  // namespace quire::app
