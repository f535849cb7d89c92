#!/usr/bin/python3
"""Golden check of Quire's t6 (Tensor Product Attention) support end to end.

  check_t6_golden.py QUIRE_CLI VARIANT FORMAT [--type f32|f16] [--kv-type f32|f16] [--seed S]
                     [--expect-mismatch-hf-rope]

1. t6_ref.py writes a random-weight T6 checkpoint in T6's own format (VARIANT full | kv,
   FORMAT bin | safetensors).
2. `quire-cli convert t6` converts it to GGUF; `quire-cli inspect --json` must report the ranks.
3. `quire-cli logits --greedy N` runs the prompt (prefill: factor attention over the chunk) and
   decodes N greedy tokens one at a time (decode: factor attention from the cache).
4. t6_ref.py computes the float64 logits and greedy continuation from the checkpoint itself.
Tolerance: |quire - ref| <= ATOL + RTOL |ref| for every logit: f32 weights leave only float32
summation order against float64 (~1e-6 relative per op). --type f16 stores the weights as f16;
the reference then rounds the checkpoint's weights to f16 the same way (round to nearest), so
weights agree exactly. --kv-type f16 rounds the cached factors (A_K, rotated B_K, A_V, B_V) to
f16; the reference rounds the same factors (t6_ref.forward's cache_dtype). A factor Quire
computes in float32 may still round to the neighbouring f16 value (2^-11 relative) where the
float64 one does not, and the random model's sharp attention amplifies that to a few 1e-3, so
f16-cache runs use KV_F16_ATOL; without modelling the rounding the difference is ~0.1 (fails). Greedy continuations must
be identical up to a near tie in the reference (top two closer than the tolerance).
Negative control: --expect-mismatch-hf-rope swaps the reference's RoPE for the Hugging Face sign
convention (y1 = x1 cos - x2 sin) and succeeds only if the logits then do NOT match, which shows
that the comparison sees T6's convention.
Exits 0 on success, 1 with a message on failure.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import logits_check  # noqa: E402
import t6_ref  # noqa: E402

ATOL, RTOL = 2e-4, 1e-4
KV_F16_ATOL = 1e-2
SHAPE = {"n_layer": 2, "n_head": 4, "n_embd": 48, "head_dim": 16, "rank": 2, "q_rank": 6,
         "block_size": 256, "vocab_size": 320}


def run(cmd: list[str]) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def hf_rope(x: torch.Tensor) -> torch.Tensor:
    """The Hugging Face rotate_half sign: the opposite of T6's (negative control only)."""
    t_len, _, dim = x.shape
    half = dim // 2
    inv = 1.0 / (t6_ref.ROPE_BASE ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    ang = torch.outer(torch.arange(t_len, dtype=torch.float64), inv)
    cos, sin = ang.cos()[:, None, :], ang.sin()[:, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def main() -> int:
    torch.set_grad_enabled(False)
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("variant", choices=["full", "kv"])
    ap.add_argument("format", choices=["bin", "safetensors"])
    ap.add_argument("--type", default="f32", choices=["f32", "f16"])
    ap.add_argument("--kv-type", default="f32", choices=["f32", "f16"])
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--n-tokens", type=int, default=20)
    ap.add_argument("--greedy", type=int, default=8)
    ap.add_argument("--expect-mismatch-hf-rope", action="store_true")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "t6-checkpoint"
        model = str(Path(tmp) / "t6.gguf")
        npy = str(Path(tmp) / "logits.npy")
        t6_ref.make_checkpoint(ckpt, dict(SHAPE), a.variant, a.format, a.seed)
        run([a.cli, "convert", "t6", str(ckpt), "--out", model, "--type", a.type])
        info = json.loads(run([a.cli, "inspect", model, "--json"]))
        tpa = (info.get("model") or {}).get("tpa")
        want_rq = SHAPE["q_rank"] if a.variant == "full" else 0
        if info.get("architecture") != "t6" or not tpa or tpa["rank_q"] != want_rq or \
                tpa["rank_k"] != SHAPE["rank"] or tpa["rank_v"] != SHAPE["rank"]:
            sys.exit(f"FAIL: inspect does not report the t6 ranks: {json.dumps(info.get('model'))}")
        rng = np.random.default_rng(a.seed)
        tokens = [int(x) for x in rng.integers(0, SHAPE["vocab_size"], a.n_tokens)]
        out = run([a.cli, "logits", "--model", model, "--tokens", " ".join(map(str, tokens)),
                   "--out", npy, "--kv-type", a.kv_type, "--greedy", str(a.greedy)])
        got = np.load(npy)
        quire_greedy = [int(x) for x in out.split()]
        cfg, sd = t6_ref.load_checkpoint(ckpt)
    if a.type == "f16":  # the GGUF holds the weights rounded to f16: the reference uses the same
        sd = {k: v.to(torch.float16).to(torch.float64) for k, v in sd.items()}

    if a.expect_mismatch_hf_rope:
        t6_ref.t6_rope = hf_rope
    cache_dtype = torch.float16 if a.kv_type == "f16" else None
    ref = t6_ref.forward(cfg, sd, tokens, cache_dtype)
    atol = ATOL if a.kv_type == "f32" else KV_F16_ATOL
    err, bound, worst = logits_check.logits_error(got, ref, atol, RTOL)
    if a.expect_mismatch_hf_rope:
        return logits_check.expect_out_of_tolerance(
            err, worst, "with the Hugging Face RoPE sign", "the reference with the other RoPE sign",
            "the comparison cannot see the convention")
    logits_check.require_within(got, ref, err, bound, worst)

    ref_greedy = t6_ref.greedy(cfg, sd, tokens, a.greedy, cache_dtype)
    compared = logits_check.compare_greedy(
        tokens, quire_greedy, ref_greedy, a.greedy,
        lambda seq: t6_ref.forward(cfg, sd, seq, cache_dtype)[-1], atol, RTOL)
    print(f"ok: t6 {a.variant} {a.format} weights {a.type} kv {a.kv_type}: max |diff| "
          f"{err.max():.3g} (worst {worst:.2f} of tolerance), greedy {compared}/{a.greedy} "
          f"identical {quire_greedy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
