#!/usr/bin/env bash
# quire-cli ask end to end on a tiny random model (its answers are gibberish: the checks are on
# structure, never content): the JSON contract, the prefix snapshot reused by a new process
# (asserted through prefill_tokens and the stored messages, never timing), a damaged snapshot
# ignored, overflow handling, citations that point at real text of the documents.
# Usage: ask_cli.sh PATH/TO/quire-cli
set -u
cli=$1
py=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export QUIRE_HOME="$dir/home"

"$cli" debug make-model --shape tiny --type q8_0 --seed 1 --out "$dir/tiny.gguf" || exit 1
# A Markdown document of numbered paragraphs and a small code folder.
$py - "$dir" <<'PY'
import os, sys
d = sys.argv[1]
with open(os.path.join(d, "notes.md"), "w") as f:  # one segment (chapter) per heading
    for i in range(1, 9):
        f.write(f"# Part {i}\n\nThe river keeps {i * 3} boats near the old mill.\n\n")
os.makedirs(os.path.join(d, "proj", "src"))
with open(os.path.join(d, "proj", "src", "main.cpp"), "w") as f:
    f.write("int add(int a, int b) {\n  return a + b;\n}\n\nint main() { return add(1, 2); }\n")
with open(os.path.join(d, "proj", "README.md"), "w") as f:
    f.write("# Proj\n\nAdds two numbers.\n")
PY
model=(--model "$dir/tiny.gguf" --ctx 2048 -n 6 --seed 3)
db() { sqlite3 "$(find "$QUIRE_HOME" -name '*.db' -o -name '*.sqlite' | head -n1)" "$1"; }

# checks.py FIELD... on the JSON in $out: asserts via Python, exits non-zero on failure.
json_ok() {  # json_ok PYTHON-EXPR-ON-j [DOC-PATHS...]
  $py - "$out" "$@" <<'PY'
import json, os, sys
j = json.loads(sys.argv[1]); expr = sys.argv[2]; docs = sys.argv[3:]
texts = []
for p in docs:
    if os.path.isdir(p):
        for root, _, files in os.walk(p):
            for n in files:
                texts.append((os.path.relpath(os.path.join(root, n), p), open(os.path.join(root, n)).read()))
    else:
        texts.append((None, open(p).read()))
def cited_ok(c):  # a real place and a quote from the document (the file named, for code)
    if not c["text"] or not (0 < c["weight"] <= 1): return False
    if "file" in c:
        return "line_start" in c and c["line_start"] <= c["line_end"] and any(
            name == c["file"] and c["text"] in t for name, t in texts)
    return ("page" in c or "line_start" in c or "chapter" in c) and any(c["text"] in t for _, t in texts)
ok = eval(expr)
if not ok: print("JSON:", json.dumps(j)[:2000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

out=$("$cli" ask "${model[@]}" "$dir/notes.md" --question "How many boats?" --json 2>"$dir/err1"); rc=$?
check "ask exits 0" test $rc -eq 0
check "ask --json has the contract fields" json_ok 'all(k in j for k in ("answer","citations","session","message","context_tokens","prefill_tokens","restored_from_snapshot","overflow"))'
check "first ask prefills the whole prompt" json_ok 'j["prefill_tokens"] == j["context_tokens"] > j["suffix_tokens"] > 0 and not j["restored_from_snapshot"] and j["overflow"] is None'
check "citations are real segments with quotes from the document" json_ok 'len(j["citations"]) > 0 and all(cited_ok(c) for c in j["citations"])' "$dir/notes.md"
check "progress went to stderr" grep -q 'prefill: .*/.* tokens' "$dir/err1"
first_context=$($py -c 'import json,sys; print(json.loads(sys.argv[1])["prefix_tokens"])' "$out")
check "a snapshot file was stored" test "$(find "$QUIRE_HOME" -name '*.qkv' | wc -l)" -eq 1

# A new process (a restart) with another question: only the question is prefilled.
out=$("$cli" ask "${model[@]}" "$dir/notes.md" --question "Where is the mill?" --json 2>"$dir/err2"); rc=$?
check "second ask exits 0" test $rc -eq 0
check "second ask restores the document and prefills only the question" json_ok "j['restored_from_snapshot'] and j['prefill_tokens'] == j['suffix_tokens'] > 0 and j['prefix_tokens'] == $first_context and j['context_tokens'] == j['prefix_tokens'] + j['suffix_tokens']"
msg=$($py -c 'import json,sys; print(json.loads(sys.argv[1])["message"])' "$out")
suffix=$($py -c 'import json,sys; print(json.loads(sys.argv[1])["suffix_tokens"])' "$out")
check "the stored answer records the prefilled tokens" test "$(db "SELECT prompt_tokens FROM messages WHERE id = $msg")" = "$suffix"
check "the stored answer has its citations" test "$(db "SELECT json_array_length(citations) > 0 FROM messages WHERE id = $msg")" = 1
check "the session holds the question and the answer" test "$(db "SELECT group_concat(role) FROM (SELECT role FROM messages WHERE session_id = (SELECT session_id FROM messages WHERE id = $msg) ORDER BY ordinal)")" = "user,assistant"
check "a span report was stored for the answer" test "$(db "SELECT count(*) FROM span_reports WHERE message_id = $msg")" = 1

# A damaged snapshot is ignored: the prefill is redone and the answer still comes.
snap=$(find "$QUIRE_HOME" -name '*.qkv' | head -n1)
size=$(stat -c %s "$snap")
printf '\x55\xaa\x55\xaa' | dd of="$snap" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
out=$("$cli" ask "${model[@]}" "$dir/notes.md" --question "Where is the mill?" --json 2>"$dir/err3"); rc=$?
check "ask with a damaged snapshot exits 0" test $rc -eq 0
check "a damaged snapshot is not used: the prefill is redone" json_ok 'not j["restored_from_snapshot"] and j["prefill_tokens"] == j["context_tokens"] and j["message"] > 0'
check "the damaged snapshot is reported" grep -qi 'prefilling it again' "$dir/err3"
out=$("$cli" ask "${model[@]}" "$dir/notes.md" --question "Where is the mill?" --json 2>/dev/null)
check "the redone prefill was saved again" json_ok 'j["restored_from_snapshot"]'

# Another KV type is another snapshot key: prefilled once for it, then restored.
out=$("$cli" ask "${model[@]}" --kv-type q8_0 "$dir/notes.md" --question "Where is the mill?" --json 2>/dev/null)
check "another kv type does not reuse the f16 snapshot" json_ok 'not j["restored_from_snapshot"] and j["prefill_tokens"] == j["context_tokens"]'
out=$("$cli" ask "${model[@]}" --kv-type q8_0 "$dir/notes.md" --question "Boats?" --json 2>/dev/null)
check "the q8_0 snapshot is then restored" json_ok 'j["restored_from_snapshot"] and j["prefill_tokens"] == j["suffix_tokens"]'

# Tensorized attention everywhere: the answer's citations come from the hop weights (spans of
# the document whose masses the report spreads over their segments); the report says which.
out=$("$cli" ask "${model[@]}" --attention tensorized --tensor-dims 8x8x32 "$dir/notes.md" --question "Boats?" --json 2>"$dir/err9"); rc=$?
check "tensorized ask exits 0" test $rc -eq 0
check "tensorized citations are real segments with quotes" json_ok 'len(j["citations"]) > 0 and all(cited_ok(c) for c in j["citations"])' "$dir/notes.md"
msg=$($py -c 'import json,sys; print(json.loads(sys.argv[1])["message"])' "$out")
check "the tensorized span report names its attention and holds document mass" test "$(db "SELECT json_extract(report, '$.attention') || ':' || (json_extract(report, '$.outside_documents') < 1) FROM span_reports WHERE message_id = $msg")" = "tensorized:1"

# A code folder, and two documents at once.
out=$("$cli" ask "${model[@]}" "$dir/proj" --question "What does add do?" --json 2>"$dir/err4"); rc=$?
check "ask on a code folder exits 0" test $rc -eq 0
check "code citations name a file, lines and its text" json_ok 'len(j["citations"]) > 0 and all(cited_ok(c) for c in j["citations"])' "$dir/proj"
out=$("$cli" ask "${model[@]}" "$dir/notes.md" "$dir/proj" --question "Boats?" --json --citations 8 2>"$dir/err5"); rc=$?
check "ask on two documents exits 0" test $rc -eq 0
check "two-document citations are real segments" json_ok 'all(c["document"] in (0, 1) and cited_ok(c) for c in j["citations"])' "$dir/notes.md" "$dir/proj"

# Overflow: an error with the numbers (exit 4), or the head of the document with a notice.
"$cli" ask --model "$dir/tiny.gguf" --ctx 700 -n 6 "$dir/notes.md" --question "Boats?" --json >"$dir/out6" 2>"$dir/err6"
check "overflow error exits 4" test $? -eq 4
check "overflow error gives the numbers" grep -q '[0-9][0-9]* tokens' "$dir/err6"
out=$("$cli" ask --model "$dir/tiny.gguf" --ctx 700 -n 6 --overflow head "$dir/notes.md" --question "Boats?" --json 2>"$dir/err7"); rc=$?
check "overflow head exits 0" test $rc -eq 0
check "overflow head answers with a notice" json_ok 'j["overflow"] is not None and j["overflow"]["policy"] == "head" and j["overflow"]["left_out_segments"] > 0 and j["context_tokens"] <= 700'

# Plain output: the answer on stdout, the summary on stderr.
"$cli" ask "${model[@]}" "$dir/notes.md" --question "How many boats?" >"$dir/out8" 2>"$dir/err8"
check "plain ask exits 0" test $? -eq 0
check "plain ask reports the restored document on stderr" grep -q 'restored from its snapshot' "$dir/err8"

finish
