#!/usr/bin/env bash
# A T6 (Tensor Product Attention) checkpoint through the app end to end: tests/golden/t6_ref.py
# writes a random full-TPA checkpoint, `quire-cli convert t6` converts it, `inspect` reports the
# ranks and the KV saving, `ask` answers with citations (attention recorded from the factor cache)
# and a second ask restores the document from its snapshot (the factor cache saved and loaded);
# bad input is refused with the documented exit codes. The numbers are judged elsewhere
# (tests/golden/check_t6_golden.py); these checks are on structure.
# Usage: t6_cli.sh PATH/TO/quire-cli
set -u
cli=$1
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
source "$here/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export QUIRE_HOME="$dir/home"

$py "$here/../golden/t6_ref.py" make "$dir/ckpt" --variant full --format bin --seed 2 || exit 1
"$cli" convert t6 "$dir/ckpt" --out "$dir/t6.gguf" >"$dir/conv" 2>&1
check "convert t6 exits 0" test $? -eq 0
check "convert names the variant" grep -q 'full TPA (ranks q 6, k 2, v 2)' "$dir/conv"

"$cli" inspect "$dir/t6.gguf" >"$dir/insp"
check "inspect shows arch t6" grep -q '^architecture  t6' "$dir/insp"
check "inspect shows the ranks and the saving against multi-head" \
  grep -q '^tpa           ranks q 6, k 2, v 2: kv per token f16 320 bytes against 512 bytes' "$dir/insp"

printf '# Part 1\n\nThe river keeps 3 boats near the old mill.\n\n# Part 2\n\nSix geese fly over the barn.\n' >"$dir/doc.md"
model=(--model "$dir/t6.gguf" --ctx 1024 -n 6 --seed 3)
json_ok() {  # json_ok PYTHON-EXPR-ON-j FILE
  $py -c 'import json, sys; j = json.load(open(sys.argv[2])); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" "$2"
}
"$cli" ask "${model[@]}" "$dir/doc.md" --question "How many boats?" --json >"$dir/a1" 2>/dev/null
check "ask on a t6 model exits 0" test $? -eq 0
check "ask cites the document" json_ok 'len(j["citations"]) > 0 and j["answer_tokens"] == 6' "$dir/a1"
"$cli" ask "${model[@]}" "$dir/doc.md" --question "How many geese?" --json >"$dir/a2" 2>/dev/null
check "second ask restores the factor cache from its snapshot" \
  json_ok 'j["restored_from_snapshot"] and j["prefill_tokens"] < j["context_tokens"]' "$dir/a2"

"$cli" generate --model "$dir/t6.gguf" --prompt "abc" -n 2 --kv-type q8_0 >/dev/null 2>"$dir/err"
check "a q8_0 KV cache is refused (exit 2)" test $? -eq 2
check "the message names the cache types t6 keeps" grep -q 'f16 or f32; q8_0 is not supported' "$dir/err"
"$cli" convert t6 "$dir/nowhere" --out "$dir/x.gguf" 2>"$dir/err"
check "a missing checkpoint is bad input (exit 3)" test $? -eq 3
check "the message says what is missing" grep -q 'config.json is missing' "$dir/err"
mkdir "$dir/notT6" && echo '{"n_layer": 1, "n_head": 1, "n_embd": 8, "head_dim": 8, "rank": 1, "vocab_size": 300}' >"$dir/notT6/config.json"
$py -c 'import torch, sys; torch.save({"transformer.wte.weight": torch.zeros(300, 8)}, sys.argv[1])' "$dir/notT6/pytorch_model.bin"
"$cli" convert t6 "$dir/notT6" --out "$dir/x.gguf" 2>"$dir/err"
check "a checkpoint without TPA tensors is refused (exit 3)" test $? -eq 3
check "the message says it is not T6" grep -q 'not a T6' "$dir/err"

finish
