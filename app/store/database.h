// Database: one SQLite connection (sqlite3 C API), with the schema migrated on open.
//
// Threads: a Database belongs to the thread that uses it. Open one per thread (SQLite's WAL lets
// readers and one writer proceed together; writers wait up to busy_timeout_ms for each other).
// Every connection runs with journal_mode=WAL, foreign_keys=ON, synchronous=NORMAL: a committed
// transaction survives a crash of the process (kill -9); a power loss may lose the last commits but
// never corrupts the file.
//
// Errors: SQLite failures become Result errors that name the database file and SQLite's message:
// SQLITE_FULL -> no_space, SQLITE_CORRUPT/NOTADB -> corrupt_data, SQLITE_CONSTRAINT ->
// invalid_argument, SQLITE_CANTOPEN -> not_found, SQLITE_PERM/AUTH/READONLY -> permission_denied,
// anything else -> io_error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace quire::app {

class Database;

// A prepared statement. Parameters are 1-based as in SQLite; columns are 0-based. Text is UTF-8
// and copied by SQLite on bind (SQLITE_TRANSIENT), so arguments need not outlive the call.
// column_* must be called only after step() returned true; text views live until the next step.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, int64_t{value}); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind_null(int index);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // true: a row is ready; false: done. Errors (including a bind error recorded above) are values.
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Result<void> run();
  // Resets for another execution and clears bindings.
  void reset();

  int64_t column_int64(int col) const;
  double column_double(int col) const;
  std::string_view column_text(int col) const;  // "" for NULL
  bool column_is_null(int col) const;
  std::optional<int64_t> column_optional_int64(int col) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  void note_bind(int rc);

  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = 0;  // first failed bind's SQLite code, reported by step()
};

class Transaction;

class Database {
 public:
  struct Options {
    int busy_timeout_ms = 10000;
    bool migrate = true;  // false only for tests that inspect an unmigrated file
  };

  // Opens (creating when missing) the database at `path` and applies pending migrations
  // (migrations.h). A database written by a newer Quire gives Errc::unsupported.
  static Result<Database> open(const std::filesystem::path& path, Options options);
  static Result<Database> open(const std::filesystem::path& path) { return open(path, Options{}); }

  Database() = default;
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<Statement> prepare(std::string_view sql);
  // Runs one or more statements that return no rows (schema, pragmas).
  Result<void> exec(std::string_view sql);
  // Runs a single-value query ("PRAGMA user_version", "SELECT count(*) ...").
  Result<int64_t> query_int64(std::string_view sql);

  // BEGIN IMMEDIATE: takes the write lock now, so a transaction never fails half-way with BUSY.
  Result<Transaction> begin();

  int64_t last_insert_rowid() const;
  int changes() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // The Error for SQLite result code `rc` on this connection, prefixed with `what`.
  Error error_from(int rc, std::string_view what) const;

 private:
  Result<void> configure(const Options& options);

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

// Rolls back on destruction unless commit() succeeded. Borrows its Database, which must neither
// move nor die while the transaction lives. Transactions do not nest (SQLite has no nested BEGIN).
class Transaction {
 public:
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Result<void> commit();

 private:
  friend class Database;
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

// Unix time in milliseconds, the unit of every *_at column.
int64_t unix_ms_now();

}  // namespace quire::app
