#!/usr/bin/env bash
# quire-cli export over a store seeded by the sqlite3 shell: a session with two messages and a
# batch run, exported as JSON and CSV and read back by Python's json and csv modules.
# Usage: cli_export.sh PATH/TO/quire-cli
set -euo pipefail
cli=$1
py=/usr/bin/python3
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export QUIRE_HOME=$home

"$cli" docs --json >/dev/null  # creates the schema
sqlite3 "$home/quire.db" <<'SQL'
INSERT INTO documents (id, path, kind, title, content_hash, bytes, mtime_ns, pages, ingested_at, text)
VALUES (3, '/b/w.pdf', 'pdf', 'Whales', 'h', 10, 1, 1, 1, 'x');
INSERT INTO sessions (id, document_id, title, model_fingerprint, attention_config, created_at, updated_at)
VALUES (5, 3, 'About whales', 'm', 'full', 1, 2);
INSERT INTO messages (session_id, ordinal, role, text, citations, created_at)
VALUES (5, 0, 'user', 'Which whale, "white" or not?', '[]', 1),
       (5, 1, 'assistant', 'The white one,
page 1.', '[{"page":1}]', 2);
INSERT INTO batch_runs (id, name, question, model_fingerprint, attention_config, status, created_at)
VALUES (9, 'run', 'Q?', 'm', 'full', 'done', 1);
INSERT INTO batch_questions (id, run_id, ordinal, text) VALUES (1, 9, 0, 'Q?');
INSERT INTO batch_items (run_id, path, question_id, document_id, status, answer) VALUES (9, '/b/w.pdf', 1, 3, 'done', 'A, "b"');
SQL

"$cli" export session 5 --format json | $py -c '
import json, sys
s = json.load(sys.stdin)
assert s["schema"] == "quire.session_export/1", s
assert [m["text"] for m in s["messages"]] == ["Which whale, \"white\" or not?", "The white one,\npage 1."], s
assert s["messages"][1]["citations"] == [{"page": 1}], s
assert s["document"]["title"] == "Whales", s
'
"$cli" export session 5 --format csv -o "$home/s.csv"
$py -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][2] == "text" and rows[2][2] == "The white one,\npage 1.", rows
' "$home/s.csv"
"$cli" export batch 9 --format csv | $py -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert rows[1][:3] == ["/b/w.pdf", "done", "A, \"b\""], rows
assert rows[0][7] == "question" and rows[1][7] == "Q?", rows
'
"$cli" export batch 9 --format jsonl | $py -c '
import json, sys
items = [json.loads(l) for l in sys.stdin]
assert [(i["path"], i["question"], i["answer"]) for i in items] == [("/b/w.pdf", "Q?", "A, \"b\"")], items
'
"$cli" export session 5 --format html | grep -q "<!DOCTYPE html>"
set +e
"$cli" export session 77 >/dev/null 2>"$home/err"; rc=$?
set -e
[ $rc -eq 3 ] || { echo "unknown session: exit $rc"; cat "$home/err"; exit 1; }
grep -q "no session 77" "$home/err"
echo ok
