#!/bin/sh
# Quire's `quire-cli bench` side by side with llama.cpp's own `llama-bench`, on the same
# random-weight GGUF files of real model shapes, in the same run:
#   stories15m F32, stories110m F32, TinyLlama-1.1B Q8_0 / Q4_K / Q4_K_M.
# For each model the two programs run INTERLEAVED, ROUNDS times (quire, llama, quire, llama ...),
# each with -p 512 -n 128 -t 2 -r 3 (prefill of 512 tokens, decode of 128 tokens, 2 threads, 3
# repetitions after a warm-up). The speed of a shared machine drifts between minutes, so only the
# ratio of neighbouring runs is meaningful: the table shows per model the median tokens/s of each
# program over the rounds and the median of the per-round ratios quire / llama.
#
# Usage: compare_llama_bench.sh QUIRE_CLI [LLAMA_BENCH] [MODELS...]
#   LLAMA_BENCH  default /tmp/llama-bench/llama-bench (built by /work/shared/tools/build-llama-bench.sh)
#   MODELS       shape:type items, default the five above
# Environment: ROUNDS (default 4; decode speeds drift by 10-40% within a minute here, so fewer
#   rounds leave ratios near 1.0 to chance), THREADS (2), PP (512), TG (128), REPS (3), WORK (a temp folder;
#   the model files are made there once and reused), LLAMA_BINS (llama.cpp's prebuilt library
#   folder that llama-bench runs from).
# Not run by ctest: it takes minutes and measures, it does not test.
set -eu
QUIRE=$(realpath "${1:?usage: compare_llama_bench.sh QUIRE_CLI [LLAMA_BENCH] [MODELS...]}")
shift
LLAMA=${1:-/tmp/llama-bench/llama-bench}
[ $# -gt 0 ] && shift
MODELS=${*:-"stories15m:f32 stories110m:f32 tinyllama:q8_0 tinyllama:q4_k tinyllama:q4_k_m"}
ROUNDS=${ROUNDS:-4} THREADS=${THREADS:-2} PP=${PP:-512} TG=${TG:-128} REPS=${REPS:-3}
WORK=${WORK:-$(mktemp -d /tmp/quire-vs-llama.XXXXXX)}
LLAMA_BINS=${LLAMA_BINS:-/tmp/node-llama-cpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64}
PY=/usr/bin/python3
[ -x "$LLAMA" ] || { echo "llama-bench not found at $LLAMA: run build-llama-bench.sh" >&2; exit 2; }
mkdir -p "$WORK"

# quire-cli bench --json -> "pp tg" tokens/s (medians over the repetitions).
quire_run() {
  "$QUIRE" bench -m "$1" -p "$PP" -n "$TG" -t "$THREADS" -r "$REPS" --json | $PY -c '
import json, sys
t = {x["test"][:2]: x["median_tokens_per_s"] for x in json.load(sys.stdin)["tests"]}
print(t["pp"], t["tg"])'
}
# llama-bench -o json -> "pp tg" tokens/s (llama-bench reports the mean over repetitions).
llama_run() {
  (cd "$LLAMA_BINS" && "$LLAMA" -m "$1" -t "$THREADS" -p "$PP" -n "$TG" -r "$REPS" -o json) |
    $PY -c '
import json, sys
r = json.load(sys.stdin)
pp = [x["avg_ts"] for x in r if x["n_prompt"] > 0 and x["n_gen"] == 0]
tg = [x["avg_ts"] for x in r if x["n_gen"] > 0 and x["n_prompt"] == 0]
print(pp[0], tg[0])'
}

RESULTS="$WORK/results.txt"
: > "$RESULTS"
for item in $MODELS; do
  shape=${item%%:*} type=${item##*:}
  model="$WORK/$shape-$type.gguf"
  if [ ! -f "$model" ]; then
    echo "making $model" >&2
    "$QUIRE" debug make-model --shape "$shape" --type "$type" --out "$model" >&2
  fi
  round=1
  while [ "$round" -le "$ROUNDS" ]; do
    q=$(quire_run "$model")
    l=$(llama_run "$model")
    echo "$shape $type $round $q $l" | tee -a "$RESULTS" >&2
    round=$((round + 1))
  done
done

$PY - "$RESULTS" "$PP" "$TG" "$THREADS" <<'PYEOF'
import statistics, sys
path, pp, tg, threads = sys.argv[1:]
rows = {}
for line in open(path):
    shape, typ, _, qp, qt, lp, lt = line.split()
    rows.setdefault((shape, typ), []).append(tuple(map(float, (qp, qt, lp, lt))))
print(f"| model | type | quire pp{pp} t/s | llama.cpp pp{pp} t/s | pp ratio | "
      f"quire tg{tg} t/s | llama.cpp tg{tg} t/s | tg ratio | rounds |")
print("|---|---|---|---|---|---|---|---|---|")
for (shape, typ), rs in rows.items():
    med = lambda i: statistics.median(r[i] for r in rs)
    pr = statistics.median(r[0] / r[2] for r in rs)
    tr = statistics.median(r[1] / r[3] for r in rs)
    print(f"| {shape} | {typ.upper()} | {med(0):.1f} | {med(2):.1f} | {pr:.2f} | "
          f"{med(1):.1f} | {med(3):.1f} | {tr:.2f} | {len(rs)} |")
print(f"\n{threads} threads; ratio = quire / llama.cpp, median of per-round ratios.")
PYEOF
