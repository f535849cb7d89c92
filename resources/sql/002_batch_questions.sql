-- Batch runs with many questions: a run asks every question of its questions file of every
-- document found in a folder, one item per (document path, question). Applied once, inside a
-- transaction, when PRAGMA user_version < 2. Existing v1 runs keep their data: their single
-- question becomes question 0 of the run, and every item points at it.

-- What identifies a run for an automatic resume (app/analysis/batch.h): the folder it walked
-- (absolute, '' for v1 runs), the SHA-256 hex of its questions and of its answer options
-- (system prompt, answer length, overflow policy, citations). batch_runs.question keeps the
-- questions joined by newlines, so v1 readers still see what was asked.
ALTER TABLE batch_runs ADD COLUMN folder TEXT NOT NULL DEFAULT '';
ALTER TABLE batch_runs ADD COLUMN questions_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE batch_runs ADD COLUMN options_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX batch_runs_resume ON batch_runs(folder, questions_hash, status);

-- The questions of a run, in the order of the questions file (ordinal 0, 1, ...).
CREATE TABLE batch_questions (
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  text    TEXT    NOT NULL,
  UNIQUE (run_id, ordinal)
);
INSERT INTO batch_questions (run_id, ordinal, text) SELECT id, 0, question FROM batch_runs;

-- One item per (document path, question). SQLite cannot change a UNIQUE constraint in place, so
-- the table is rebuilt and the v1 rows copied (same ids, so nothing that kept one is broken).
-- context_tokens = prefix_tokens (template, system prompt, document) + the question's tokens;
-- prefill_tokens: tokens the item's ask prefilled (the whole prompt for a document's first
-- question, the question alone once its snapshot exists); message_id: the stored answer, whose
-- citations and span report hang off it. started_at / finished_at are Unix ms (NULL until then).
CREATE TABLE batch_items_v2 (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
  path           TEXT    NOT NULL,
  question_id    INTEGER NOT NULL REFERENCES batch_questions(id) ON DELETE CASCADE,
  document_id    INTEGER REFERENCES documents(id) ON DELETE SET NULL,
  status         TEXT    NOT NULL CHECK (status IN ('pending','done','failed','skipped')),
  answer         TEXT    NOT NULL DEFAULT '',
  error          TEXT    NOT NULL DEFAULT '',
  prefill_ms     REAL    NOT NULL DEFAULT 0,
  decode_ms      REAL    NOT NULL DEFAULT 0,
  context_tokens INTEGER NOT NULL DEFAULT 0 CHECK (context_tokens >= 0),
  prefix_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (prefix_tokens >= 0),
  prefill_tokens INTEGER NOT NULL DEFAULT 0 CHECK (prefill_tokens >= 0),
  answer_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (answer_tokens >= 0),
  message_id     INTEGER REFERENCES messages(id) ON DELETE SET NULL,
  started_at     INTEGER,
  finished_at    INTEGER,
  UNIQUE (run_id, path, question_id)
);
INSERT INTO batch_items_v2 (id, run_id, path, question_id, document_id, status, answer, error,
                            prefill_ms, decode_ms)
  SELECT i.id, i.run_id, i.path, q.id, i.document_id, i.status, i.answer, i.error, i.prefill_ms,
         i.decode_ms
  FROM batch_items i JOIN batch_questions q ON q.run_id = i.run_id AND q.ordinal = 0;
DROP TABLE batch_items;
ALTER TABLE batch_items_v2 RENAME TO batch_items;
CREATE INDEX batch_items_pending ON batch_items(run_id, status);
