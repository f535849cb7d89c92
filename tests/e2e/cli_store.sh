#!/usr/bin/env bash
# quire-cli docs and search against a store seeded with the sqlite3 shell (an independent writer):
# the schema is created by quire-cli, the rows by sqlite3, the answers checked with Python's json.
# Usage: cli_store.sh PATH/TO/quire-cli
set -u
cli=$1
source "$(dirname "$0")/check_lib.sh"
py=/usr/bin/python3
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export QUIRE_HOME=$home

out=$("$cli" docs --json); rc=$?
check "docs --json on a new store exits 0" test $rc -eq 0
check "docs --json on a new store is []" test "$(tr -d ' \n' <<<"$out")" = "[]"
check "the database was created under QUIRE_HOME" test -f "$home/quire.db"

sqlite3 "$home/quire.db" <<'SQL'
INSERT INTO documents (id, path, kind, title, content_hash, bytes, mtime_ns, pages, ingested_at, text)
VALUES (7, '/books/moby.pdf', 'pdf', 'Moby Dick', 'abc', 1234, 1, 2, 1000,
        'Call me Ishmael.
The white whale.
');
INSERT INTO segments (document_id, ordinal, char_begin, char_end, page, page_label, text)
VALUES (7, 0, 0, 17, 1, 'i', 'Call me Ishmael.
'), (7, 1, 17, 34, 2, '2', 'The white whale.
');
SQL

out=$("$cli" docs --json); rc=$?
check "docs --json exits 0" test $rc -eq 0
check "docs --json lists the document with its segments" $py -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 1 and d[0]["id"] == 7 and d[0]["title"] == "Moby Dick" and d[0]["segments"] == 2, d
' "$out"
out=$("$cli" docs); rc=$?
check "docs prints a table row with the title" grep -q 'Moby Dick (/books/moby.pdf)' <<<"$out"

out=$("$cli" search WHALE --json); rc=$?
check "search --json exits 0" test $rc -eq 0
check "search finds the page-2 segment with a marked snippet" $py -c '
import json, sys
h = json.loads(sys.argv[1])
assert len(h) == 1, h
assert h[0]["document_id"] == 7 and h[0]["page"] == 2 and h[0]["location"] == "p. 2", h
assert "[whale]" in h[0]["snippet"], h
' "$out"
out=$("$cli" search "ishmael" | cat); rc=$?
check "search prints the title and page" grep -q 'Moby Dick \[7\], p. 1 (i)' <<<"$out"
out=$("$cli" search 'no-such-word-here' --json)
check "no match is an empty array" test "$(tr -d ' \n' <<<"$out")" = "[]"
"$cli" search "   " >/dev/null 2>&1; rc=$?
check "an empty query exits 2" test $rc -eq 2
"$cli" search x --limit 0 >/dev/null 2>&1; rc=$?
check "--limit 0 exits 2" test $rc -eq 2

sqlite3 "$home/quire.db" 'PRAGMA user_version=999'
err=$("$cli" docs 2>&1 >/dev/null); rc=$?
check "a database from a newer Quire exits 3" test $rc -eq 3
check "... and says so" grep -q 'newer' <<<"$err"

finish
