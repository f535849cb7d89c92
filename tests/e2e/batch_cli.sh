#!/usr/bin/env bash
# quire-cli batch end to end on a tiny random model (its answers are gibberish: the checks are on
# structure, never content): a folder of text, Markdown and code files and one binary file x a
# questions file; every item answered except the binary one (failed, with the reason); outputs
# read back by Python's csv and json modules; each document prefilled once (asserted through the
# recorded prefill_tokens, never timing); a batch interrupted by Ctrl-C and one killed with
# SIGKILL resume where they stopped without redoing done items; exports of the run read back.
# Usage: batch_cli.sh PATH/TO/quire-cli
set -u
cli=$1
py=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export QUIRE_HOME="$dir/home"
db="$QUIRE_HOME/quire.db"
sql() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

"$cli" debug make-model --shape tiny --type q8_0 --seed 1 --out "$dir/tiny.gguf" || exit 1
# Four readable documents (Markdown, text, Python, C++ in a subfolder) and one binary file.
$py - "$dir/docs" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(os.path.join(d, "src"))
with open(os.path.join(d, "notes.md"), "w") as f:
    for i in range(1, 5):
        f.write(f"# Part {i}\n\nThe river keeps {i * 3} boats near the old mill.\n\n")
with open(os.path.join(d, "letter.txt"), "w") as f:
    f.write("Dear Ann,\nthe harvest was early this year and the barn is full.\nYours, Bob\n")
with open(os.path.join(d, "src", "tool.py"), "w") as f:
    f.write("def area(w, h):\n    return w * h\n\nprint(area(3, 4))\n")
with open(os.path.join(d, "src", "add.cpp"), "w") as f:
    f.write("int add(int a, int b) {\n  return a + b;\n}\n")
with open(os.path.join(d, "image.bin"), "wb") as f:
    f.write(bytes(range(256)) * 4)
PY
printf '# questions for every document\n\nWhat is this about?\n  Who is named?  \n' >"$dir/q2.txt"
model=(--model "$dir/tiny.gguf" --ctx 2048 -n 6 --seed 3)

# --- A whole batch: 5 documents x 2 questions. ---
"$cli" batch "${model[@]}" "$dir/docs" --questions "$dir/q2.txt" --out "$dir/r.csv" --json \
  >"$dir/j1" 2>"$dir/e1"
check "batch exits 0" test $? -eq 0
run1=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["run"])' "$dir/j1")
pyj() {  # pyj FILE PYTHON-EXPR-ON-j: asserts on a JSON file
  $py - "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); ok = eval(sys.argv[2])
if not ok: print("JSON:", json.dumps(j)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
check "summary: 10 items, 8 answered, 2 failed, nothing resumed" pyj "$dir/j1" \
  'j["summary"]["total_items"] == 10 and j["summary"]["answered"] == 8 and j["summary"]["failed"] == 2 and not j["summary"]["resumed"] and j["summary"]["done_before"] == 0'
check "the run is done with both questions" pyj "$dir/j1" \
  'j["run"]["status"] == "done" and j["run"]["questions"] == ["What is this about?", "Who is named?"]'
check "every readable document is done, the binary one failed with the reason" pyj "$dir/j1" \
  'all((i["status"] == "failed" and "binary" in i["error"] and i["answer"] == "") if i["path"].endswith("image.bin") else (i["status"] == "done" and i["error"] == "" and i["message_id"]) for i in j["items"])'
check "documents in sorted order, questions in file order" pyj "$dir/j1" \
  '[(i["path"].split("/docs/")[1], i["question_index"]) for i in j["items"]] == [(p, q) for p in ["image.bin", "letter.txt", "notes.md", "src/add.cpp", "src/tool.py"] for q in (0, 1)]'
check "progress lines went to stderr" grep -q '^\[10/10\] done' "$dir/e1"

# Each document prefilled once: its first question prefills the whole prompt, the second only
# itself (the document restored from the snapshot the first one saved).
prefilled_once() {  # prefilled_once JSONL-FILE
  $py - "$1" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
done = [i for i in items if i["status"] == "done"]
by_doc = {}
for i in done: by_doc.setdefault(i["path"], {})[i["question_index"]] = i
ok = len(by_doc) == 4
for path, qs in by_doc.items():
    first, second = qs[0], qs[1]
    ok &= first["prefill_tokens"] == first["context_tokens"] > first["context_tokens"] - first["prefix_tokens"] > 0
    ok &= second["prefix_tokens"] == first["prefix_tokens"]
    ok &= second["prefill_tokens"] == second["context_tokens"] - second["prefix_tokens"] > 0
if not ok: print(json.dumps(done, indent=1)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
"$cli" export batch "$run1" --format jsonl -o "$dir/r.jsonl"
check "export jsonl exits 0" test $? -eq 0
check "each document prefilled once, later questions restore its snapshot" prefilled_once "$dir/r.jsonl"
check "one snapshot per readable document" test "$(find "$QUIRE_HOME" -name '*.qkv' | wc -l)" -eq 4
check "the stored items record the same prefill tokens" test \
  "$(sql "SELECT sum(prefill_tokens) FROM batch_items WHERE run_id = $run1")" = \
  "$($py -c 'import json,sys; print(sum(json.loads(l)["prefill_tokens"] for l in open(sys.argv[1])))' "$dir/r.jsonl")"
check "every answer is a stored message with a span report" test \
  "$(sql "SELECT count(*) FROM batch_items i JOIN messages m ON m.id = i.message_id AND m.role = 'assistant' AND m.text = i.answer JOIN span_reports s ON s.message_id = m.id WHERE i.run_id = $run1")" = 8

# The outputs read back: CSV (RFC 4180) and JSONL, Markdown with a section per item.
check "csv has a row per item with path, question, status and answer" $py - "$dir/r.csv" "$dir/r.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
items = [json.loads(l) for l in open(sys.argv[2])]
ok = len(rows) == 10 and [(r["path"], r["question"], r["status"], r["answer"], r["error"]) for r in rows] == \
    [(i["path"], i["question"], i["status"], i["answer"], i["error"]) for i in items]
ok &= all(json.loads(r["citations"]) == i["citations"] for r, i in zip(rows, items))
ok &= open(sys.argv[1], "rb").read().count(b"\r\n") >= 11
sys.exit(0 if ok else 1)
PY
check "jsonl objects carry the documented fields" $py - "$dir/r.jsonl" <<'PY'
import json, sys
keys = {"path", "question", "question_index", "status", "answer", "citations", "error", "document_id",
        "message_id", "context_tokens", "prefix_tokens", "prefill_tokens", "answer_tokens", "timings"}
items = [json.loads(l) for l in open(sys.argv[1])]
ok = len(items) == 10 and all(keys <= set(i) and {"prefill_ms", "decode_ms", "started_at", "finished_at"} <= set(i["timings"]) for i in items)
ok &= all(isinstance(i["citations"], list) and i["timings"]["finished_at"] >= i["timings"]["started_at"] > 0 for i in items)
sys.exit(0 if ok else 1)
PY
"$cli" export batch "$run1" --format md -o "$dir/r.md"
check "markdown has a section per document and per item" $py - "$dir/r.md" <<'PY'
import sys
md = open(sys.argv[1], encoding="utf-8").read()
lines = md.splitlines()
ok = sum(l.startswith("## ") for l in lines) == 5 and sum(l.startswith("### Q") for l in lines) == 10
ok &= sum(l.startswith("### Q1: What is this about?") for l in lines) == 5 and "*failed*" in md
sys.exit(0 if ok else 1)
PY
"$cli" export batch "$run1" --format html | $py -c 'import html.parser,sys; p=html.parser.HTMLParser(); p.feed(sys.stdin.read()); p.close()'
check "html export parses" test "${PIPESTATUS[0]}" -eq 0

# The same batch again: the run is done, so a new run is made, and every document comes from
# its snapshot (a new process): only the questions are prefilled.
"$cli" batch "${model[@]}" "$dir/docs" --questions "$dir/q2.txt" --out "$dir/again.jsonl" 2>"$dir/e2"
check "a finished batch run again exits 0" test $? -eq 0
check "a finished run is not resumed: a new run is made" test "$(sql 'SELECT count(*) FROM batch_runs')" = 2
check "a new process restores every document: only the questions are prefilled" $py - "$dir/again.jsonl" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
done = [i for i in items if i["status"] == "done"]
sys.exit(0 if len(done) == 8 and all(i["prefill_tokens"] == i["context_tokens"] - i["prefix_tokens"] > 0 for i in done) else 1)
PY

# --- Interrupted batches resume where they stopped. Longer answers, so that the poll below
# catches the run part way. ---
slow=(--model "$dir/tiny.gguf" --ctx 2048 -n 96 --seed 3 --threads 1)
# start_and_stop SIGNAL QUESTIONS: starts a batch, waits until 2 items are done, sends SIGNAL.
start_and_stop() {
  "$cli" batch "${slow[@]}" "$dir/docs" --questions "$2" >/dev/null 2>"$dir/stop.err" &
  local pid=$! runs_before n=0
  runs_before=$3
  for _ in $(seq 1 600); do
    n=$(sql "SELECT count(*) FROM batch_items i JOIN batch_runs r ON r.id = i.run_id WHERE r.id > $runs_before AND i.status = 'done'" 2>/dev/null)
    [ "${n:-0}" -ge 2 ] && break
    sleep 0.05
  done
  kill "-$1" "$pid"
  wait "$pid"
  stop_rc=$?
}
for signal in INT KILL; do
  printf 'Question one?\nQuestion two?\nQuestion three about %s?\n' "$signal" >"$dir/q_$signal.txt"
  last=$(sql 'SELECT max(id) FROM batch_runs')
  start_and_stop "$signal" "$dir/q_$signal.txt" "$last"
  run=$(sql "SELECT id FROM batch_runs WHERE id > $last")
  if [ "$signal" = INT ]; then
    check "Ctrl-C stops the batch with exit 130" test "$stop_rc" -eq 130
    check "Ctrl-C leaves the run cancelled, and says how to resume" test "$(sql "SELECT status FROM batch_runs WHERE id = $run")" = cancelled
    check "the message names the run to resume" grep -q -- "--resume $run" "$dir/stop.err"
  else
    check "SIGKILL kills the batch" test "$stop_rc" -eq 137
    check "a killed run stays running" test "$(sql "SELECT status FROM batch_runs WHERE id = $run")" = running
  fi
  before=$(sql "SELECT group_concat(id || ':' || finished_at || ':' || message_id) FROM batch_items WHERE run_id = $run AND status != 'pending' ORDER BY id")
  n_before=$(sql "SELECT count(*) FROM batch_items WHERE run_id = $run AND status != 'pending'")
  check "$signal: the run stopped part way ($n_before of 15 items)" test "$n_before" -ge 2 -a "$n_before" -lt 15
  messages_before=$(sql 'SELECT count(*) FROM messages')
  "$cli" batch "${slow[@]}" "$dir/docs" --questions "$dir/q_$signal.txt" --out "$dir/resumed_$signal.jsonl" >/dev/null 2>"$dir/resume.err"
  check "$signal: the same command again exits 0" test $? -eq 0
  check "$signal: it says it resumes the run" grep -q "resuming batch run $run" "$dir/resume.err"
  check "$signal: no new run was made" test "$(sql "SELECT count(*) FROM batch_runs WHERE id > $last")" = 1
  check "$signal: done items were not redone (same ids, times, messages)" test \
    "$(sql "SELECT group_concat(id || ':' || finished_at || ':' || message_id) FROM batch_items WHERE run_id = $run AND id IN (SELECT id FROM batch_items WHERE run_id = $run ORDER BY id LIMIT $n_before) ORDER BY id")" = "$before"
  check "$signal: every item is finished, 15 in all" test \
    "$(sql "SELECT count(*) || '/' || sum(status = 'done') || '/' || sum(status = 'failed') FROM batch_items WHERE run_id = $run")" = "15/12/3"
  check "$signal: the run is done" test "$(sql "SELECT status FROM batch_runs WHERE id = $run")" = done
  # Only the items still pending asked the model (2 messages each), plus at most the one in flight.
  asked=$(( $(sql 'SELECT count(*) FROM messages') - messages_before ))
  pending_answers=$(( (15 - n_before) ))
  check "$signal: only the pending items were asked ($asked messages)" test "$asked" -le $((2 * pending_answers))
  check "$signal: the resumed output holds every item" $py - "$dir/resumed_$signal.jsonl" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(items) == 15 and sum(i["status"] == "done" for i in items) == 12 else 1)
PY
done

# --resume ID of a done run is refused; a bad questions file is a usage error.
"$cli" batch "${model[@]}" --resume "$run1" >/dev/null 2>"$dir/e3"
check "resuming a done run exits 2" test $? -eq 2
printf '# nothing\n\n' >"$dir/empty.txt"
"$cli" batch "${model[@]}" "$dir/docs" --questions "$dir/empty.txt" >/dev/null 2>"$dir/e4"
check "an empty questions file exits 2 and says why" test $? -eq 2
check "the empty questions file is named" grep -q 'empty.txt' "$dir/e4"

finish
