#!/usr/bin/env bash
# Prefill saved by a batch: 3 documents x 3 questions on a random stories15m-shaped q8_0 model;
# the first question of each document prefills it, later ones restore its snapshot. Prints the
# prefill tokens and milliseconds of both kinds of item, from the run's JSONL (restore time is
# not part of prefill_ms). Not run by ctest.
# Usage: tests/bench/batch_prefill_reuse.sh build/release/bin/quire-cli
set -eu
cli=$1; d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; export QUIRE_HOME=$d/h
"$cli" debug make-model --shape stories15m --type q8_0 --seed 1 --out "$d/m.gguf" >/dev/null
mkdir "$d/docs"
for n in 1 2 3; do /usr/bin/python3 -c "
import sys
print('\n'.join(f'Line {i}: the river keeps {i*$n} boats near the old mill.' for i in range(150)))" >"$d/docs/doc$n.txt"; done
printf 'Q one?\nQ two?\nQ three?\n' >"$d/q.txt"
"$cli" batch --model "$d/m.gguf" --ctx 4096 -n 8 --seed 1 "$d/docs" --questions "$d/q.txt" --out "$d/r.jsonl" 2>/dev/null
/usr/bin/python3 - "$d/r.jsonl" <<'PY'
import json, sys
items = [json.loads(l) for l in open(sys.argv[1])]
first = [i for i in items if i["question_index"] == 0]
later = [i for i in items if i["question_index"] > 0]
avg = lambda xs: sum(xs) / len(xs)
print(f"items {len(items)}; context {avg([i['context_tokens'] for i in items]):.0f} tokens")
print(f"first question of a document: prefill {avg([i['prefill_tokens'] for i in first]):.0f} tokens, {avg([i['timings']['prefill_ms'] for i in first]):.0f} ms")
print(f"later questions (restored):   prefill {avg([i['prefill_tokens'] for i in later]):.0f} tokens, {avg([i['timings']['prefill_ms'] for i in later]):.0f} ms")
print(f"prefill tokens in all: {sum(i['prefill_tokens'] for i in items)} vs {sum(i['context_tokens'] for i in items)} without snapshots")
PY
