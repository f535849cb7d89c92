#!/usr/bin/env bash
# `quire-cli inspect` on GGUF files written by the independent Python writer, and on broken ones.
# Usage: gguf_inspect.sh PATH/TO/quire-cli PATH/TO/gguf_ref.py
set -u
cli=$1
ref=$2
py=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

$py "$ref" write "$dir/model.gguf" "$dir/model.json" || { echo "FAIL python writer"; exit 1; }

out=$("$cli" inspect "$dir/model.gguf"); rc=$?
check "inspect exits 0" test $rc -eq 0
check "names the file" grep -q '^file  *model.gguf$' <<<"$out"
check "shows the version" grep -q '^gguf  *version 3, alignment 64$' <<<"$out"
check "shows the architecture" grep -q '^architecture  *llama$' <<<"$out"
check "counts the tensors" grep -q '^tensors  *3$' <<<"$out"
check "counts the parameters (24 + 16 + 64)" grep -q '^parameters  *104 ' <<<"$out"
check "histogram of tensor types" grep -q '^tensor types  *f16 1, f32 1, q8_0 1$' <<<"$out"
check "shows metadata values" grep -q 't.u32 = 3000000000' <<<"$out"

out=$("$cli" inspect --json "$dir/model.gguf"); rc=$?
check "inspect --json exits 0" test $rc -eq 0
check "inspect --json agrees with the Python writer" $py - "$out" "$dir/model.json" "$dir/model.gguf" <<'PY'
import json, os, sys
got = json.loads(sys.argv[1]); want = json.load(open(sys.argv[2]))
assert got["version"] == want["version"] and got["alignment"] == want["alignment"], got
assert got["architecture"] == "llama" and got["name"] == "golden sample", got
assert got["size_bytes"] == os.path.getsize(sys.argv[3]), got
assert got["tensor_count"] == len(want["tensors"]), got
assert got["tensor_types"] == {"f32": 1, "f16": 1, "q8_0": 1}, got
assert list(got["metadata"]) == [m["key"] for m in want["metadata"]], got["metadata"]
assert got["metadata"]["t.u64"] == 2**64 - 1 and got["metadata"]["t.i64"] == -2**63
assert got["metadata"]["tokenizer.ggml.tokens"][3] == "\u2581the"
PY

# A long array is summarized, not printed.
$py - "$ref" "$dir/vocab.gguf" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gguf_ref", sys.argv[1]); g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
toks = g.node(g.ARR, [g.node(g.STR, f"t{i}") for i in range(32000)], g.STR)
data, _ = g.build(3, 32, [("general.architecture", g.node(g.STR, "llama")), ("tokenizer.ggml.tokens", toks)], [])
open(sys.argv[2], "wb").write(data)
PY
out=$("$cli" inspect "$dir/vocab.gguf"); rc=$?
check "a vocabulary-only file inspects" test $rc -eq 0
check "long arrays are summarized" grep -q 'tokenizer.ggml.tokens = \[32000 strings\]' <<<"$out"

head -c 700 "$dir/model.gguf" >"$dir/cut.gguf"
out=$("$cli" inspect "$dir/cut.gguf" 2>&1 >/dev/null); rc=$?
check "a truncated file exits 3" test $rc -eq 3
check "  ...and says it is truncated" grep -q 'cut.gguf: .*truncated' <<<"$out"

printf 'GGUF\001\000\000\000' >"$dir/v1.gguf"; head -c 64 /dev/zero >>"$dir/v1.gguf"
out=$("$cli" inspect "$dir/v1.gguf" 2>&1 >/dev/null); rc=$?
check "a GGUF v1 file exits 3" test $rc -eq 3
check "  ...and names version 1" grep -q 'version 1' <<<"$out"

$py - "$ref" "$dir/q2k.gguf" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gguf_ref", sys.argv[1]); g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
data, _ = g.build(3, 32, [], [("w", 10, [256], bytes(84))])  # GGML type 10 = q2_K, 84 B/block
open(sys.argv[2], "wb").write(data)
PY
out=$("$cli" inspect "$dir/q2k.gguf" 2>&1 >/dev/null); rc=$?
check "an unsupported tensor type exits 3" test $rc -eq 3
check "  ...and names the type and what is supported" grep -q "q2_K (type 10).*supported: f32" <<<"$out"

printf 'not a model at all' >"$dir/text.gguf"
"$cli" inspect "$dir/text.gguf" >/dev/null 2>&1; rc=$?
check "a text file exits 3" test $rc -eq 3
"$cli" inspect "$dir/absent.gguf" >/dev/null 2>&1; rc=$?
check "a missing file exits 3" test $rc -eq 3
"$cli" inspect >/dev/null 2>&1; rc=$?
check "no MODEL exits 2" test $rc -eq 2

finish
