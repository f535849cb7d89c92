#!/usr/bin/env bash
# quire-cli chat / sessions / report / export SESSION end to end on a tiny random model (its
# answers are gibberish: the checks are on structure, never content): three questions over a pipe
# give three turns in one session of six messages; turn 1 prefills (or restores) the document
# prefix, turns 2 and 3 prefill only their own turn (asserted through --json prefill_tokens and
# the stored prompt_tokens, never timing); --session in a new process continues the same
# session; `sessions` lists it; `report` and `export SESSION_ID` are parsed back by Python.
# Usage: chat_cli.sh PATH/TO/quire-cli
set -u
cli=$1
py=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export QUIRE_HOME="$dir/home"

"$cli" debug make-model --shape tiny --type q8_0 --seed 1 --out "$dir/tiny.gguf" || exit 1
for i in 1 2 3 4 5 6; do
  printf '# Part %d\n\nThe river keeps %d boats near the old mill.\n\n' "$i" $((i * 3))
done >"$dir/notes.md"
model=(--model "$dir/tiny.gguf" --ctx 2048 -n 6 --seed 3)
db() { sqlite3 "$(find "$QUIRE_HOME" -name '*.db' | head -n1)" "$1"; }

# jsonl_ok PYTHON-EXPR: `t` is the list of JSON objects, one per line of $out.
jsonl_ok() {
  $py - "$out" "$1" <<'PY'
import json, sys
t = [json.loads(line) for line in sys.argv[1].splitlines() if line.strip()]
ok = eval(sys.argv[2])
if not ok: print("JSON lines:", json.dumps(t)[:3000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
# py_ok FILE PYTHON-EXPR: `s` is the file's text.
py_ok() {
  $py - "$1" "$2" <<'PY'
import json, sys, html.parser
s = open(sys.argv[1], encoding="utf-8").read()
class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = []
    def handle_starttag(self, tag, attrs): self.tags.append(tag)
ok = eval(sys.argv[2])
if not ok: print("text:", s[:2000], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

out=$(printf 'How many boats?\n\nWhere is the mill?\nWhich part is last?\n' |
      "$cli" chat "${model[@]}" "$dir/notes.md" --json 2>"$dir/err1"); rc=$?
check "chat over a pipe exits 0" test $rc -eq 0
check "three questions give three turns" jsonl_ok 'len(t) == 3 and [x["turn"] for x in t] == [1, 2, 3]'
check "each turn has the ask --json fields" jsonl_ok 'all(all(k in x for k in ("answer","citations","session","message","context_tokens","prefill_tokens","stop_reason")) for x in t)'
check "one session for all turns" jsonl_ok 'len({x["session"] for x in t}) == 1 and t[0]["session"] > 0'
check "turn 1 prefills the document prefix" jsonl_ok 't[0]["prefill_tokens"] == t[0]["prefix_tokens"] + t[0]["suffix_tokens"] and not t[0]["restored_from_snapshot"]'
check "turns 2 and 3 prefill only their turn" jsonl_ok 'all(0 < x["prefill_tokens"] == x["suffix_tokens"] < 40 for x in t[1:])'
check "the context grows turn by turn" jsonl_ok 't[0]["context_tokens"] < t[1]["context_tokens"] < t[2]["context_tokens"]'
check "the session id is printed" grep -q 'continue with --session' "$dir/err1"
sid=$($py -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[0])["session"])' "$out")
check "the session holds six messages in order" test "$(db "SELECT group_concat(role) FROM (SELECT role FROM messages WHERE session_id = $sid ORDER BY ordinal)")" = "user,assistant,user,assistant,user,assistant"
check "the stored questions are the typed lines" test "$(db "SELECT group_concat(text, '|') FROM (SELECT text FROM messages WHERE session_id = $sid AND role = 'user' ORDER BY ordinal)")" = "How many boats?|Where is the mill?|Which part is last?"
turn2=$($py -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[1])["suffix_tokens"])' "$out")
check "turn 2's stored prompt_tokens are its own tokens" test "$(db "SELECT prompt_tokens FROM messages WHERE session_id = $sid AND ordinal = 3")" = "$turn2"
check "every answer has a span report" test "$(db "SELECT count(*) FROM span_reports r JOIN messages m ON m.id = r.message_id WHERE m.session_id = $sid")" = 3

# A new process continues the session: the prefix restored, the stored turns prefilled again.
out=$(printf 'And the boats?\n' | "$cli" chat "${model[@]}" --session "$sid" --json 2>"$dir/err2"); rc=$?
check "chat --session exits 0" test $rc -eq 0
check "the resumed turn continues the same session as turn 4" jsonl_ok "len(t) == 1 and t[0]['session'] == $sid and t[0]['turn'] == 4"
check "the resumed chat restores the prefix and re-prefills only the conversation" jsonl_ok 't[0]["restored_from_snapshot"] and t[0]["suffix_tokens"] < t[0]["prefill_tokens"] < t[0]["prefix_tokens"]'
check "the session now holds eight messages" test "$(db "SELECT count(*) FROM messages WHERE session_id = $sid")" = 8
"$cli" chat "${model[@]}" --session 999 </dev/null >/dev/null 2>"$dir/err3"
check "an unknown session is an error" test $? -ne 0
check "an unknown session's error says so" grep -q 'no session 999' "$dir/err3"
"$cli" chat "${model[@]}" --kv-type q8_0 --session "$sid" </dev/null >/dev/null 2>"$dir/err4"
check "another kv type cannot continue the session (exit 4)" test $? -eq 4

# Plain output: answers on stdout, a summary per turn on stderr.
printf 'Boats?\n' | "$cli" chat "${model[@]}" "$dir/notes.md" >"$dir/out5" 2>"$dir/err5"
check "plain chat exits 0" test $? -eq 0
check "plain chat reports the turn on stderr" grep -q '^turn 1: prefilled' "$dir/err5"

# sessions
"$cli" sessions --json >"$dir/sessions.json"
check "sessions --json lists both sessions, newest first" py_ok "$dir/sessions.json" "(lambda j: len(j) == 2 and j[1]['id'] == $sid and j[1]['messages'] == 8 and j[0]['updated_at'] >= j[1]['updated_at'] and j[1]['document']['path'].endswith('notes.md') and 'kv_type' in j[1]['attention_config'])(json.loads(s))"
"$cli" sessions --document "$dir/notes.md" --json >"$dir/by_doc.json"
check "sessions --document PATH filters" py_ok "$dir/by_doc.json" "len(json.loads(s)) == 2"
"$cli" sessions --document 999 --json >"$dir/none.json"
check "sessions --document of another document lists none" py_ok "$dir/none.json" "json.loads(s) == []"
"$cli" sessions >"$dir/sessions.txt"
check "sessions prints a table" grep -q "^ *$sid " "$dir/sessions.txt"
"$cli" sessions show "$sid" >"$dir/show.txt"
check "sessions show prints the conversation" grep -q 'Where is the mill?' "$dir/show.txt"
"$cli" sessions show "$sid" --json >"$dir/show.json"
check "sessions show --json is the session export" py_ok "$dir/show.json" "(lambda j: j['schema'] == 'quire.session_export/1' and len(j['messages']) == 8)(json.loads(s))"

# report: one answer's span report in three formats.
msg=$(db "SELECT id FROM messages WHERE session_id = $sid AND ordinal = 3")
"$cli" report "$msg" --format json -o "$dir/r.json"
check "report json exits 0" test $? -eq 0
check "report json parses with the span fields" py_ok "$dir/r.json" "(lambda j: j['schema'] == 'quire.span_report/1' and j['answer_tokens'] > 0 and j['effective_span']['p50'] <= j['effective_span']['p90'] and len(j['distance_histogram']) > 0 and j['stop_reason'] in ('eog', 'max_tokens'))(json.loads(s))"
p50=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["effective_span"]["p50"])' "$dir/r.json")
"$cli" report "$msg" --format html -o "$dir/r.html"
check "report html is self-contained with the svg pictures" py_ok "$dir/r.html" "(lambda p: (p.feed(s), p.tags.count('svg') >= 2 and 'script' not in p.tags and 'Where is the mill?' in s)[1])(Tags())"
"$cli" report "$msg" --format md >"$dir/r.md"
check "report md has the span numbers" grep -q "50% of the attention within $p50 tokens" "$dir/r.md"
check "report md has the question" grep -q 'Where is the mill?' "$dir/r.md"
user_msg=$(db "SELECT id FROM messages WHERE session_id = $sid AND ordinal = 2")
"$cli" report "$user_msg" --format json >/dev/null 2>"$dir/err6"
check "a question has no report (exit 3)" test $? -eq 3
check "the error says only answers have one" grep -q 'only answers' "$dir/err6"

# export SESSION_ID, the short form of export session ID.
"$cli" export "$sid" --format json -o "$dir/e.json"
check "export SESSION_ID json exits 0" test $? -eq 0
check "export SESSION_ID json parses back" py_ok "$dir/e.json" "(lambda j: j['session']['id'] == $sid and [m['role'] for m in j['messages']] == ['user', 'assistant'] * 4)(json.loads(s))"
"$cli" export "$sid" --format csv -o "$dir/e.csv"
check "export SESSION_ID csv has one row per message" py_ok "$dir/e.csv" "len(list(__import__('csv').reader(__import__('io').StringIO(s)))) == 9"
"$cli" export "$sid" --format html -o "$dir/e.html"
check "export SESSION_ID html has the pictures" py_ok "$dir/e.html" "(lambda p: (p.feed(s), p.tags.count('svg') >= 8)[1])(Tags())"
"$cli" export "$sid" --format md >"$dir/e.md"
check "export SESSION_ID md has every question" py_ok "$dir/e.md" "s.count('## Question') == 4"
"$cli" export "$sid" 3 --format md >/dev/null 2>&1
check "export SESSION_ID ID is refused" test $? -ne 0

# sessions delete
"$cli" sessions delete "$sid" 2>/dev/null
check "sessions delete exits 0" test $? -eq 0
check "the deleted session's messages are gone" test "$(db "SELECT count(*) FROM messages WHERE session_id = $sid")" = 0
"$cli" sessions delete "$sid" 2>/dev/null
check "deleting it again is not found (exit 3)" test $? -eq 3

finish
