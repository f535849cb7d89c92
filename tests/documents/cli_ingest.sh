#!/usr/bin/env bash
# `quire-cli ingest` end to end: the JSON contract (README) on a PDF, an EPUB and a code folder,
# and errors on stderr with the documented exit codes.
# Usage: cli_ingest.sh QUIRE_CLI FIXTURE_DIR
set -euo pipefail
cli="$1"
fx="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export QUIRE_HOME="$tmp/home"  # the library this test fills

check_json() {  # check_json FILE PYTHON_ASSERTIONS
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d["segments"], list) and d["kind"] and "title" in d, d.keys()
exec(sys.argv[2])
PY
}

"$cli" ingest "$fx/labeled.pdf" --json > "$tmp/pdf.json"
check_json "$tmp/pdf.json" '
assert d["kind"] == "pdf" and d["pages"] == 5, d
assert [s["page"] for s in d["segments"]] == [1, 2, 3, 4, 5]
assert [s.get("page_label") for s in d["segments"]] == ["i", "ii", "1", "2", "3"]
assert "find the flow" in d["segments"][1]["text"]
assert "skipped" not in d
assert d["stored"] == "added" and d["document_id"] > 0, d'

# The library keeps it: the same file again is reused (not extracted again), identical output.
"$cli" ingest "$fx/labeled.pdf" --json > "$tmp/pdf2.json"
/usr/bin/python3 - "$tmp/pdf.json" "$tmp/pdf2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["stored"] == "unchanged" and b["document_id"] == a["document_id"], b
assert a["segments"] == b["segments"] and a["pages"] == b["pages"]
PY
# A changed file replaces the stored text under the same id; --no-store stores nothing.
printf 'first version\n' > "$tmp/note.txt"
"$cli" ingest "$tmp/note.txt" --json > "$tmp/n1.json"
printf 'second version\n' > "$tmp/note.txt"
"$cli" ingest "$tmp/note.txt" --json > "$tmp/n2.json"
check_json "$tmp/n2.json" '
first = json.load(open(sys.argv[1].replace("n2", "n1")))
assert first["stored"] == "added" and d["stored"] == "replaced", (first, d)
assert d["document_id"] == first["document_id"] and "second" in d["segments"][0]["text"]'
"$cli" ingest "$tmp/note.txt" --json --no-store > "$tmp/n3.json"
check_json "$tmp/n3.json" 'assert "document_id" not in d and "stored" not in d'
"$cli" docs --json > "$tmp/docs.json"
/usr/bin/python3 - "$tmp/docs.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
docs = d["documents"] if isinstance(d, dict) else d
assert sorted(x["kind"] for x in docs) == ["pdf", "text"], docs
PY

"$cli" ingest "$fx/book.epub" --json > "$tmp/epub.json"
check_json "$tmp/epub.json" '
assert d["kind"] == "epub" and d["title"] == "A Test Book"
assert all("chapter" in s and "page" not in s for s in d["segments"])'

mkdir -p "$tmp/tree/src"
printf 'int main() { return 0; }\n' > "$tmp/tree/src/main.cpp"
printf '*.o\n' > "$tmp/tree/.gitignore"
printf 'obj' > "$tmp/tree/src/main.o"
"$cli" ingest "$tmp/tree" --json > "$tmp/code.json"
check_json "$tmp/code.json" '
assert d["kind"] == "code"
files = [s["file"] for s in d["segments"]]
assert files == [".gitignore", "src/main.cpp"], files
main = d["segments"][1]
assert (main["line_start"], main["line_end"], main["language"]) == (1, 1, "C++"), main
assert d["skipped"] == [{"path": "src/main.o", "reason": "ignored by .gitignore"}], d["skipped"]'

# Plain output names every segment's place.
"$cli" ingest "$fx/labeled.pdf" | grep -q '^== page 2 (ii) ==$'

expect_fail() {  # expect_fail CODE MESSAGE_PART ARGS...
  local code="$1" part="$2"
  shift 2
  set +e
  "$cli" ingest "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  set -e
  [ "$rc" -eq "$code" ] || { echo "ingest $*: exit $rc, want $code"; cat "$tmp/err"; exit 1; }
  grep -q -- "$part" "$tmp/err" || { echo "ingest $*: stderr lacks '$part'"; cat "$tmp/err"; exit 1; }
  [ ! -s "$tmp/out" ] || { echo "ingest $*: wrote to stdout on error"; exit 1; }
}
expect_fail 3 "encrypted" "$fx/encrypted.pdf" --json
expect_fail 3 "does not open" "$fx/encrypted.pdf" --password wrong
"$cli" ingest "$fx/encrypted.pdf" --password secret --json > /dev/null
expect_fail 3 "OCR is not supported" "$fx/image_only.pdf"
expect_fail 3 "no such file" "$tmp/missing.txt"
# Ctrl-C stops a long ingestion with exit code 130 (a large folder read through SIGINT).
big="$tmp/big"
mkdir -p "$big"
for i in $(seq 1 20000); do printf 'line %d\n' "$i"; done | split -l 1 -a 5 - "$big/f"
set +e
timeout --preserve-status -s INT 1 "$cli" ingest "$big" > /dev/null 2> "$tmp/err"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then  # 0 only when the machine read and stored all 20000 files within 1 s
  [ "$rc" -eq 130 ] || { echo "Ctrl-C: exit $rc, want 130"; cat "$tmp/err"; exit 1; }
  grep -q "cancelled" "$tmp/err"
fi
echo "cli_ingest: ok"
