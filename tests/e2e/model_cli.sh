#!/usr/bin/env bash
# quire-cli's model commands on a synthetic model: debug make-model, inspect (model fields),
# tokenize, logits, and their exit codes for truncated, corrupt and missing model files.
# Usage: model_cli.sh PATH/TO/quire-cli
set -u
cli=$1
py=/usr/bin/python3
source "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$cli" debug make-model --shape tiny --type q8_0 --seed 1 --out "$dir/tiny.gguf"
check "make-model exits 0" test $? -eq 0
"$cli" debug make-model --shape huge --out "$dir/x.gguf" 2>/dev/null
check "make-model refuses an unknown shape (usage, 2)" test $? -eq 2

out=$("$cli" inspect "$dir/tiny.gguf"); rc=$?
check "inspect exits 0" test $rc -eq 0
check "inspect shows the architecture" grep -q '^model  *2 layers, embd 256, ff 512, 8 heads (2 kv) of 32, vocab 384$' <<<"$out"
check "inspect shows the context length" grep -q '^context  *512 tokens (training)$' <<<"$out"
# 2 (K, V) * 2 layers * 2 kv heads * 32 dims: f16 2 bytes each = 512; q8_0 one 34-byte block = 272
check "inspect shows KV bytes per token" grep -q '^kv per token  *f16 512 bytes, q8_0 272 bytes$' <<<"$out"
out=$("$cli" inspect --json "$dir/tiny.gguf")
check "inspect --json has the model fields" $py -c '
import json, sys
m = json.loads(sys.argv[1])["model"]
assert m["n_layer"] == 2 and m["head_dim"] == 32 and m["context_length"] == 512, m
assert m["kv_bytes_per_token"] == {"f16": 512, "q8_0": 272}, m' "$out"
# Tensorized state at 512 tokens, default dims 4x128, per layer in floats: K and V 2*512*2*32,
# closed_1 512 rows and the query ring 128 rows of 8 heads x 32: 229376 floats, x 4 bytes x 2.
check "inspect --json states the tensorized state bytes" $py -c '
import json, sys
t = json.loads(sys.argv[1])["model"]["tensorized_state"]
assert t == {"dims": "4x128", "context_length": 512, "bytes": 1835008}, t' "$out"
# At --ctx 256 with dims 2x128: K and V 2*256*2*32, closed_1 256 rows and the query ring 128
# rows of 8 heads x 32: 131072 floats per layer, x 4 bytes x 2 layers = 1048576 (1.00 MiB).
out=$("$cli" inspect "$dir/tiny.gguf" --ctx 256 --attention tensorized --tensor-dims 2x128)
check "inspect --ctx states the tensorized bytes for that context" \
  grep -q '^tensorized  *1.00 MiB extra at 256 tokens (dims 2x128, complete, all layers)$' <<<"$out"
out=$("$cli" inspect "$dir/tiny.gguf" --attention full)
check "inspect --attention full states no tensorized memory" \
  bash -c '! grep -q "^tensorized" <<<"$1"' _ "$out"
"$cli" inspect "$dir/tiny.gguf" --ctx 300 --tensor-dims 2x128 >/dev/null 2>&1
check "inspect: dims smaller than --ctx do not fail the file" test $? -eq 0
"$cli" logits --model "$dir/tiny.gguf" --tokens "1 7 300 5" --out "$dir/lt.npy" \
  --attention tensorized --tensor-dims 4 --greedy 2 >/dev/null 2>&1
check "logits: a context of 6 past --tensor-dims 4 is refused" test $? -ne 0
"$cli" logits --model "$dir/tiny.gguf" --tokens "1 7 300 5" --out "$dir/lt.npy" \
  --attention hybrid --tensor-dims 2x4 --greedy 2 >/dev/null
check "logits --attention hybrid runs" test $? -eq 0

out=$("$cli" tokenize --model "$dir/tiny.gguf" --text "abc abc"); rc=$?
check "tokenize exits 0" test $rc -eq 0
check "tokenize starts with BOS" grep -q '^1 ' <<<"$out"
printf 'abc' > "$dir/t.txt"
out=$("$cli" tokenize --model "$dir/tiny.gguf" --file "$dir/t.txt" --json)
check "tokenize --json round-trips the pieces" $py -c '
import json, sys
j = json.loads(sys.argv[1]); assert j["ids"][0] == 1 and "".join(j["pieces"]).strip() == "abc", j' "$out"

"$cli" logits --model "$dir/tiny.gguf" --tokens "1 7 300" --out "$dir/l.npy"
check "logits exits 0" test $? -eq 0
check "logits writes float32 [3, 384]" $py -c '
import numpy as np, sys
a = np.load(sys.argv[1]); assert a.dtype == np.float32 and a.shape == (3, 384) and np.isfinite(a).all()' "$dir/l.npy"
"$cli" logits --model "$dir/tiny.gguf" --tokens "1 384" --out "$dir/l.npy" 2>"$dir/err"
check "logits: an id past the vocabulary exits 2" test $? -eq 2
check "logits: the message names the id and the vocabulary" grep -q '384.*384' "$dir/err"
"$cli" logits --model "$dir/tiny.gguf" --tokens "1 x" --out "$dir/l.npy" 2>/dev/null
check "logits: a non-number exits 2" test $? -eq 2

size=$(stat -c %s "$dir/tiny.gguf")
head -c $((size / 2)) "$dir/tiny.gguf" > "$dir/truncated.gguf"
"$cli" logits --model "$dir/truncated.gguf" --tokens "1 2" --out "$dir/l.npy" 2>/dev/null
check "logits: a truncated model exits 3" test $? -eq 3
"$cli" inspect "$dir/truncated.gguf" >/dev/null 2>&1
check "inspect: a truncated model exits 3" test $? -eq 3
cp "$dir/tiny.gguf" "$dir/corrupt.gguf"
printf '\xff\xff\xff\xff\xff\xff\xff\x7f' | dd of="$dir/corrupt.gguf" bs=1 seek=8 conv=notrunc 2>/dev/null
"$cli" logits --model "$dir/corrupt.gguf" --tokens "1 2" --out "$dir/l.npy" 2>/dev/null
check "logits: a corrupt model exits 3" test $? -eq 3
"$cli" inspect "$dir/corrupt.gguf" >/dev/null 2>&1
check "inspect: a corrupt model exits 3" test $? -eq 3
"$cli" logits --model "$dir/absent.gguf" --tokens "1" --out "$dir/l.npy" 2>/dev/null
check "logits: a missing model exits 3" test $? -eq 3

finish
