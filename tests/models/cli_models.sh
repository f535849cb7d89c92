#!/usr/bin/env bash
# quire-cli models over a fake HOME: an empty HOME lists nothing; a --folder with a file that is
# not GGUF lists it as unusable, in text and JSON (parsed back by Python's json module).
set -euo pipefail
cli="$1"
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export HOME="$home"
unset OLLAMA_MODELS QUIRE_HOME

out="$("$cli" models)"
grep -q "no GGUF models found" <<<"$out" || { echo "empty HOME: $out"; exit 1; }
[ "$("$cli" models --json | tr -d '[:space:]')" = "[]" ] || { echo "empty JSON"; exit 1; }

mkdir -p "$home/extra/sub"
printf 'GGUF\x03\x00\x00\x00garbage' >"$home/extra/sub/fake.gguf"
out="$("$cli" models --folder "$home/extra")"
grep -q "^fake .*folder" <<<"$out" || { echo "text listing: $out"; exit 1; }
grep -q "unusable:" <<<"$out" || { echo "no problem shown: $out"; exit 1; }
"$cli" models --json --folder "$home/extra" | /usr/bin/python3 -c '
import json, sys
models = json.load(sys.stdin)
assert len(models) == 1, models
m = models[0]
assert m["name"] == "fake" and m["source"] == "folder", m
assert m["path"].endswith("/extra/sub/fake.gguf"), m
assert m["problem"], m
assert m["bytes"] == 15, m
'
echo ok
