#!/usr/bin/python3
"""Golden check of Quire's CPU forward pass against the independent numpy reference.

  check_engine_logits.py QUIRE_CLI TYPE [--shape S] [--tied] [--llama3-rope] [--kv-type T]
                         [--n-tokens N] [--greedy N] [--seed S]

1. `quire-cli debug make-model` writes a synthetic model (shape S, weight type TYPE).
2. `quire-cli logits --greedy N` writes the logits of a fixed prompt as .npy and prints the ids
   of N greedy continuation tokens (decoded one at a time through the KV cache).
3. The GGUF is read back with gguf_ref.py, every tensor is dequantized with ggml_quants_ref.py
   (or numpy for f16/bf16) and llama_ref.py computes the float64 logits and greedy continuation.

Tolerance: |quire - ref| <= ATOL + RTOL * |ref| for every logit. Both sides use the SAME
dequantized weights, so quantization error is not part of the difference; what remains is float32
arithmetic in Quire (summation order in matmul/attention/rms_norm, float32 RoPE angles built from
float32 frequencies) against float64, ~1e-6 relative per op, compounded over a few layers, plus
the KV cache's element type: with --kv-type f32 (the default here) nothing is rounded; f16
rounds K/V to 11 bits (relative 2^-11) and needs the looser F16_KV_ATOL.
Greedy: the continuation must be identical, except that when the reference's top two logits
at some step are closer than the tolerance (a near tie the tolerance allows either way), the
comparison stops there and says so.
Negative control: --expect-mismatch --ref-drop TENSOR runs the reference without TENSOR (e.g.
rope_freqs.weight) and succeeds only if the logit comparison then FAILS, which shows that the
tolerance is tight enough to notice that tensor.
Exits 0 on success, 1 with a message on failure.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ggml_quants_ref  # noqa: E402
import gguf_ref  # noqa: E402
import llama_ref  # noqa: E402
import logits_check  # noqa: E402

ATOL = 2e-4
RTOL = 1e-4
F16_KV_ATOL = 1e-2

# GGML type id -> (block elems, block bytes, decoder of raw [blocks, bytes] uint8 -> float32)
DECODERS = {
    8: (32, 34, ggml_quants_ref.q8_0),
    2: (32, 18, ggml_quants_ref.q4_0),
    12: (256, 144, ggml_quants_ref.q4_k),
    13: (256, 176, ggml_quants_ref.q5_k),
    14: (256, 210, ggml_quants_ref.q6_k),
}


def plain(node):
    """A gguf_ref metadata NODE as a plain Python value (arrays as lists)."""
    if node["type"] == gguf_ref.ARR:
        return [plain(x) for x in node["value"]]
    return node["value"]


def dequantize(t) -> np.ndarray:
    raw = np.frombuffer(bytes.fromhex(t["data_hex"]), dtype=np.uint8)
    kind = t["type"]
    if kind == 0:
        flat = raw.view("<f4").astype(np.float64)
    elif kind == 1:
        flat = raw.view("<f2").astype(np.float64)
    elif kind == 30:
        flat = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    else:
        elems, nbytes, decode = DECODERS[kind]
        flat = decode(raw.reshape(-1, nbytes)).astype(np.float64).reshape(-1)
    return flat.reshape(list(reversed(t["shape"])))


def run(cmd: list[str]) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("type")
    ap.add_argument("--shape", default="tiny")
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--llama3-rope", action="store_true")
    ap.add_argument("--kv-type", default="f32", choices=["f32", "f16"])
    ap.add_argument("--n-tokens", type=int, default=12)
    ap.add_argument("--greedy", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ref-drop", default=None)
    ap.add_argument("--expect-mismatch", action="store_true")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = str(Path(tmp) / "model.gguf")
        npy = str(Path(tmp) / "logits.npy")
        make = [a.cli, "debug", "make-model", "--shape", a.shape, "--type", a.type,
                "--seed", str(a.seed), "--out", model]
        if a.tied:
            make.append("--tied")
        if a.llama3_rope:
            make.append("--llama3-rope")
        run(make)
        desc = gguf_ref.read(Path(model).read_bytes())
        meta = {m["key"]: plain(m["value"]) for m in desc["metadata"]}
        config = llama_ref.LlamaConfig.from_metadata(meta)
        weights = {t["name"]: dequantize(t) for t in desc["tensors"]}
        if a.tied and "output.weight" in weights:
            sys.exit("FAIL: --tied model still has output.weight")
        if a.llama3_rope and "rope_freqs.weight" not in weights:
            sys.exit("FAIL: --llama3-rope model lacks rope_freqs.weight")

        rng = np.random.default_rng(a.seed)
        tokens = [1] + [int(x) for x in rng.integers(3, config.n_vocab, a.n_tokens - 1)]
        out = run([a.cli, "logits", "--model", model, "--tokens", " ".join(map(str, tokens)),
                   "--out", npy, "--kv-type", a.kv_type, "--greedy", str(a.greedy)])
        got = np.load(npy)
        quire_greedy = [int(x) for x in out.split()]

    if a.ref_drop is not None:
        if a.ref_drop not in weights:
            sys.exit(f"FAIL: --ref-drop {a.ref_drop}: the model has no such tensor")
        del weights[a.ref_drop]
    ref = llama_ref.forward_f64(config, weights, tokens)
    atol = ATOL if a.kv_type == "f32" else F16_KV_ATOL
    err, bound, worst = logits_check.logits_error(got, ref, atol, RTOL)
    if a.expect_mismatch:
        return logits_check.expect_out_of_tolerance(
            err, worst, f"without {a.ref_drop}", f"the reference without {a.ref_drop}",
            "the tolerance cannot see that tensor")
    logits_check.require_within(got, ref, err, bound, worst)

    ref_greedy = llama_ref.greedy(config, weights, tokens, a.greedy)
    compared = logits_check.compare_greedy(
        tokens, quire_greedy, ref_greedy, a.greedy,
        lambda seq: llama_ref.forward_f64(config, weights, seq)[-1], atol, RTOL)
    print(f"ok: {a.type} {a.shape} tied={a.tied} llama3={a.llama3_rope} kv={a.kv_type}: "
          f"max |diff| {err.max():.3g} (worst {worst:.2f} of tolerance), "
          f"greedy {compared}/{a.greedy} identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
