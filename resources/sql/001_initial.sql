-- Quire's first schema. Applied once, inside a transaction, when PRAGMA user_version < 1.
-- Times are Unix milliseconds (UTC) unless a column says otherwise; sizes are bytes.

-- One row per ingested source (file or folder), keyed by its absolute path. content_hash is the
-- lowercase hex SHA-256 of the source bytes: re-ingesting with the same hash reuses the row.
CREATE TABLE documents (
  id           INTEGER PRIMARY KEY,
  path         TEXT    NOT NULL UNIQUE,
  kind         TEXT    NOT NULL CHECK (kind IN ('pdf','epub','text','markdown','html','code')),
  title        TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,
  bytes        INTEGER NOT NULL CHECK (bytes >= 0),
  mtime_ns     INTEGER NOT NULL,
  pages        INTEGER NOT NULL DEFAULT 0 CHECK (pages >= 0),
  ingested_at  INTEGER NOT NULL,
  text         TEXT    NOT NULL  -- the whole extracted text; last, so listing never reads it
);
CREATE INDEX documents_hash ON documents(content_hash);

-- The segment map of a document (app/documents/document.h). char_* are byte offsets into
-- documents.text; page is 1-based or NULL.
CREATE TABLE segments (
  id          INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal     INTEGER NOT NULL,
  char_begin  INTEGER NOT NULL,
  char_end    INTEGER NOT NULL CHECK (char_end >= char_begin),
  page        INTEGER,
  page_label  TEXT    NOT NULL DEFAULT '',
  chapter     TEXT    NOT NULL DEFAULT '',
  file        TEXT    NOT NULL DEFAULT '',
  line_start  INTEGER NOT NULL DEFAULT 0,
  line_end    INTEGER NOT NULL DEFAULT 0,
  text        TEXT    NOT NULL,
  UNIQUE (document_id, ordinal)
);

-- Full-text index over segment text. External content: the text lives once, in segments; the
-- triggers keep the index in step inside the same transaction as every change.
CREATE VIRTUAL TABLE segments_fts USING fts5(
  text, content='segments', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
  INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
  INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;

-- A conversation about one document with one model and attention configuration.
CREATE TABLE sessions (
  id                INTEGER PRIMARY KEY,
  document_id       INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  title             TEXT    NOT NULL DEFAULT '',
  model_fingerprint TEXT    NOT NULL,
  attention_config  TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX sessions_document ON sessions(document_id);

-- One turn. citations is a JSON array as the answer pipeline writes it; timings are milliseconds.
CREATE TABLE messages (
  id                INTEGER PRIMARY KEY,
  session_id        INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  ordinal           INTEGER NOT NULL,
  role              TEXT    NOT NULL CHECK (role IN ('system','user','assistant')),
  text              TEXT    NOT NULL,
  prompt_tokens     INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  prefill_ms        REAL    NOT NULL DEFAULT 0,
  decode_ms         REAL    NOT NULL DEFAULT 0,
  citations         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(citations)),
  created_at        INTEGER NOT NULL,
  UNIQUE (session_id, ordinal)
);

-- KV-cache snapshot files under snapshots/ (never BLOBs). A row exists only for a file that was
-- completely written, fsync'd and renamed; readers still verify bytes and checksum (SHA-256 hex)
-- before trusting it. last_used is a strictly increasing Unix-microsecond stamp (LRU order).
CREATE TABLE kv_snapshots (
  id                INTEGER PRIMARY KEY,
  model_fingerprint TEXT    NOT NULL,
  attention_config  TEXT    NOT NULL,
  prefix_hash       TEXT    NOT NULL,
  kv_type           TEXT    NOT NULL,
  n_tokens          INTEGER NOT NULL CHECK (n_tokens >= 0),
  file_name         TEXT    NOT NULL UNIQUE,
  bytes             INTEGER NOT NULL CHECK (bytes >= 0),
  checksum          TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  last_used         INTEGER NOT NULL,
  UNIQUE (model_fingerprint, attention_config, prefix_hash, kv_type)
);
CREATE INDEX kv_snapshots_lru ON kv_snapshots(last_used);

-- A question asked of every document in a folder.
CREATE TABLE batch_runs (
  id                INTEGER PRIMARY KEY,
  name              TEXT    NOT NULL DEFAULT '',
  question          TEXT    NOT NULL,
  model_fingerprint TEXT    NOT NULL,
  attention_config  TEXT    NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('running','done','failed','cancelled')),
  created_at        INTEGER NOT NULL,
  finished_at       INTEGER
);

CREATE TABLE batch_items (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
  path        TEXT    NOT NULL,
  document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
  status      TEXT    NOT NULL CHECK (status IN ('pending','done','failed','skipped')),
  answer      TEXT    NOT NULL DEFAULT '',
  error       TEXT    NOT NULL DEFAULT '',
  prefill_ms  REAL    NOT NULL DEFAULT 0,
  decode_ms   REAL    NOT NULL DEFAULT 0,
  UNIQUE (run_id, path)
);

-- The attention-span report of one answer, as the JSON the analysis module writes.
CREATE TABLE span_reports (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
  report      TEXT    NOT NULL CHECK (json_valid(report)),
  created_at  INTEGER NOT NULL
);
