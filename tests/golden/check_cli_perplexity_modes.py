#!/usr/bin/python3
"""`quire-cli perplexity` in the three attention modes on one public-domain text (KJV Genesis
from Debian's `bible` command) and one synthetic model:

  check_cli_perplexity_modes.py QUIRE_CLI

- full: every running value and the final PPL against perplexity_ref.py (llama_ref.py's float64
  forward pass with llama.cpp's windowing), relative 1e-4 as in check_cli_perplexity.py;
- tensorized and hybrid (--tensor-dims 8x16, P = the window): each prints its final PPL and its
  attention on the final line, the PPL is finite and positive, scored over the same tokens as
  full, and differs from full beyond the printed decimals (a folding of 8x16 is not exact
  attention, so equal numbers would mean the mode was not applied).
Exits 0 on success, 77 (CTest skip) without `bible`, 1 with a message on failure.
"""
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RTOL = 1e-4
CTX = 128
DIMS = "8x16"
FINAL = re.compile(r"PPL = ([0-9.]+) over (\d+) tokens \((\d+) windows of (\d+); attention ([^)]*)\)")


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def perplexity(quire, model, text, mode):
    args = [quire, "perplexity", "--model", str(model), "--file", str(text), "--ctx", str(CTX),
            "--kv-type", "f32", "--threads", "2", "--attention", mode]
    if mode != "full":
        args += ["--tensor-dims", DIMS]
    out = run(args)
    running = [float(x) for x in re.findall(r"\[\d+\]([0-9.]+),", out)]
    final = FINAL.search(out)
    if not running or not final:
        raise SystemExit(f"{mode}: unexpected perplexity output:\n{out}")
    print(f"{mode:10s} PPL {final.group(1)} over {final.group(2)} tokens ({final.group(5)})")
    return running, final


def main(argv):
    quire = argv[1]
    if shutil.which("bible") is None:
        print("bible (bible-kjv) is not installed")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        model, text, ids = Path(tmp, "tiny.gguf"), Path(tmp, "genesis.txt"), Path(tmp, "ids.txt")
        run([quire, "debug", "make-model", "--shape", "tiny", "--type", "f32", "--seed", "9",
             "--out", str(model)])
        text.write_text(run(["bible", "-f", "gen1:1-2:7"]), encoding="utf-8")
        ids.write_text(run([quire, "tokenize", "--model", str(model), "--file", str(text)]))
        results = {m: perplexity(quire, model, text, m) for m in ("full", "tensorized", "hybrid")}
        ref = run(["/usr/bin/python3", str(HERE / "perplexity_ref.py"), str(model), str(ids),
                   str(CTX), "1"]).split("\n")
        arrays = {ref[i].split()[0]: [float(v) for v in ref[i + 1].split()]
                  for i in range(0, len(ref) - 1, 2)}
    ok = True
    running, final = results["full"]
    if int(final.group(2)) != int(arrays["count"][0]) or len(running) != len(arrays["running"]):
        print(f"full: {len(running)} windows / {final.group(2)} tokens, the reference "
              f"{len(arrays['running'])} / {arrays['count'][0]:.0f}")
        return 1
    for i, (q, r) in enumerate(zip(running + [float(final.group(1))],
                                   arrays["running"] + arrays["ppl"])):
        if abs(q - r) > RTOL * abs(r) + 5e-5:  # + the 4 decimals quire-cli prints
            print(f"full value {i}: quire {q} vs reference {r}")
            ok = False
    if final.group(5) != "full":
        print(f"full: the final line names attention '{final.group(5)}'")
        ok = False
    full_ppl = float(final.group(1))
    for mode in ("tensorized", "hybrid"):
        _, f = results[mode]
        ppl = float(f.group(1))
        if not (math.isfinite(ppl) and ppl > 0):
            print(f"{mode}: PPL {ppl} is not a positive number")
            ok = False
        if f.group(2) != final.group(2):
            print(f"{mode}: scored {f.group(2)} tokens, full {final.group(2)}")
            ok = False
        if not f.group(5).startswith(f"{mode}, dims {DIMS}, complete"):
            print(f"{mode}: the final line names attention '{f.group(5)}'")
            ok = False
        # A random-weight model is near uniform, so hybrid (whose tensorized half reaches the
        # exact half only through the upper layers' K and V) moves the PPL by ~1e-5 relative:
        # small, but thousands of times the 4 printed decimals, which is what this compares.
        if abs(ppl - full_ppl) <= 1e-3:
            print(f"{mode}: PPL {ppl} equals full's {full_ppl}: the mode was not applied")
            ok = False
    if float(results["tensorized"][1].group(1)) == float(results["hybrid"][1].group(1)):
        print("hybrid gives tensorized's PPL: the scored half did not run exact")
        ok = False
    print(f"reference PPL {arrays['ppl'][0]:.4f}: {'ok' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
