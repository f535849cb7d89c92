#include "app/store/database.h"

#include <sqlite3.h>

#include <chrono>
#include <utility>

#include "app/store/migrations.h"

namespace quire::app {
namespace {

Errc errc_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return Errc::no_space;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Errc::corrupt_data;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return Errc::invalid_argument;
    case SQLITE_CANTOPEN: return Errc::not_found;
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY: return Errc::permission_denied;
    case SQLITE_NOMEM: return Errc::out_of_memory;
    case SQLITE_INTERRUPT: return Errc::cancelled;
    default: return Errc::io_error;
  }
}

// What a person can do about it, by code.
std::string_view advice_for(Errc code) {
  switch (code) {
    case Errc::no_space: return "free some disk space and try again";
    case Errc::corrupt_data: return "the database is damaged; move it aside and Quire starts a new one";
    case Errc::permission_denied: return "check the file's permissions or set QUIRE_HOME";
    case Errc::not_found: return "check that the folder exists and is writable, or set QUIRE_HOME";
    default: return "try again; if it persists, please report it";
  }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const Errc code = errc_for(rc);
  return make_error(code, "database {}: {}: {}; {}", file && *file ? file : "(memory)", what,
                    msg ? msg : sqlite3_errstr(rc), advice_for(code));
}

}  // namespace

// --- Statement ---------------------------------------------------------------------------------

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Statement& Statement::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}
Statement& Statement::bind(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  note_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8));
  return *this;
}
Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return sqlite_error(db, bind_rc_, "binding a parameter");
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt_);
  std::string_view head = sql ? std::string_view(sql) : std::string_view();
  if (head.size() > 60) head = head.substr(0, 60);
  return sqlite_error(db, rc, fmt::format("running \"{}\"", head));
}

Result<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string_view Statement::column_text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}
bool Statement::column_is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::optional<int64_t> Statement::column_optional_int64(int col) const {
  if (column_is_null(col)) return std::nullopt;
  return column_int64(col);
}

// --- Database ----------------------------------------------------------------------------------

Result<Database> Database::open(const std::filesystem::path& path, Options options) {
  Database db;
  db.path_ = path;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db.db_, rc, "opening");
    if (db.db_ == nullptr) e.message = fmt::format("database {}: cannot open: {}", path.string(), sqlite3_errstr(rc));
    return e;
  }
  sqlite3_extended_result_codes(db.db_, 1);
  if (auto ok = db.configure(options); !ok) return ok.error();
  if (options.migrate) {
    if (auto ok = migrate(db, embedded_migrations()); !ok) return ok.error();
  }
  return db;
}

Result<void> Database::configure(const Options& options) {
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  // Reading the header first turns "file is not a database" into a clear error before WAL setup.
  if (auto v = query_int64("PRAGMA schema_version"); !v) return v.error();
  auto mode = prepare("PRAGMA journal_mode=WAL");
  if (!mode) return mode.error();
  auto row = mode->step();
  if (!row) return row.error();
  if (!*row || mode->column_text(0) != "wal") {
    return make_error(Errc::unsupported,
                      "database {}: cannot switch to write-ahead logging (journal mode \"{}\"); "
                      "keep the database on a local file system",
                      path_.string(), *row ? mode->column_text(0) : "");
  }
  return exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
}

Database::~Database() { sqlite3_close_v2(db_); }

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return sqlite_error(db_, rc, "preparing a statement");
  }
  return Statement(stmt);
}

Result<void> Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, "executing SQL");
  return {};
}

Result<int64_t> Database::query_int64(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::internal, "database {}: \"{}\" returned no row", path_.string(), sql);
  return stmt->column_int64(0);
}

Result<Transaction> Database::begin() {
  if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok.error();
  return Transaction(this);
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

Error Database::error_from(int rc, std::string_view what) const { return sqlite_error(db_, rc, what); }

// --- Transaction -------------------------------------------------------------------------------

Transaction::~Transaction() {
  // A failed COMMIT may leave the transaction open; ROLLBACK is then the only safe way out.
  if (db_ != nullptr && !sqlite3_get_autocommit(db_->handle())) {
    sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Result<void> Transaction::commit() {
  if (db_ == nullptr) return make_error(Errc::internal, "transaction committed twice");
  auto ok = db_->exec("COMMIT");
  if (ok) db_ = nullptr;
  return ok;
}

int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace quire::app
