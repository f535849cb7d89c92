#!/usr/bin/python3
"""Golden check of `quire-cli perplexity` against perplexity_ref.py (llama_ref.py's float64
forward pass with llama.cpp's windowing).

  check_cli_perplexity.py QUIRE_CLI

1. `quire-cli debug make-model --shape tiny --type f32` writes a synthetic model.
2. A text of ~1300 tokens is written; `quire-cli tokenize --file` gives its ids (BOS first), the
   input both sides score (tokenization itself is checked by the tokenizer goldens).
3. `quire-cli perplexity --ctx 64 --kv-type f32` prints the running values and the final PPL.
4. perplexity_ref.py computes the same from the GGUF and the ids, BOS replacing each window's
   first token as llama.cpp does.
Tolerance: relative 1e-4 on every running value (float32 forward vs float64; the logsumexp is
double on both sides). Exits 0 on success, 1 with a message on failure.
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RTOL = 1e-4
CTX = 64
TEXT = ("the quick brown fox jumps over the lazy dog, and then some more words follow here "
        "until the text is long enough for several windows. ") * 16


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main(argv):
    quire = argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        model, text, ids = Path(tmp, "tiny.gguf"), Path(tmp, "text.txt"), Path(tmp, "ids.txt")
        run([quire, "debug", "make-model", "--shape", "tiny", "--type", "f32", "--seed", "5",
             "--out", str(model)])
        text.write_text(TEXT, encoding="utf-8")
        ids.write_text(run([quire, "tokenize", "--model", str(model), "--file", str(text)]))
        out = run([quire, "perplexity", "--model", str(model), "--file", str(text),
                   "--ctx", str(CTX), "--kv-type", "f32", "--threads", "2"])
        running = [float(x) for x in re.findall(r"\[\d+\]([0-9.]+),", out)]
        final = re.search(r"PPL = ([0-9.]+) over (\d+) tokens", out)
        if not running or not final:
            print(f"unexpected perplexity output:\n{out}")
            return 1
        ref = run(["/usr/bin/python3", str(HERE / "perplexity_ref.py"), str(model), str(ids),
                   str(CTX), "1"]).split("\n")
        arrays = {ref[i].split()[0]: [float(v) for v in ref[i + 1].split()]
                  for i in range(0, len(ref) - 1, 2)}
    ok = True
    if int(final.group(2)) != int(arrays["count"][0]):
        print(f"scored {final.group(2)} tokens, the reference {arrays['count'][0]:.0f}")
        ok = False
    if len(running) != len(arrays["running"]):
        print(f"{len(running)} windows, the reference {len(arrays['running'])}")
        return 1
    for i, (q, r) in enumerate(zip(running + [float(final.group(1))],
                                   arrays["running"] + arrays["ppl"])):
        if abs(q - r) > RTOL * abs(r) + 5e-5:  # + the 4 decimals quire-cli prints
            print(f"value {i}: quire {q} vs reference {r}")
            ok = False
    print(f"{len(running)} windows, PPL quire {final.group(1)} reference {arrays['ppl'][0]:.4f}: "
          f"{'ok' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
