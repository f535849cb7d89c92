#!/usr/bin/python3
"""An independent PyTorch implementation of the T6 model (Tensor Product Attention, TPA.md),
the witness that Quire's `t6` engine support is judged by. It never imports Quire code.

  t6_ref.py make DIR [--variant full|kv] [--format bin|safetensors|both] [--seed S]
                     [--n-layer L --n-head H --n-embd D_MODEL --head-dim D --rank R
                      --q-rank RQ --vocab V --block-size N]
      writes a random-weight T6 checkpoint in T6's own format: config.json (model_type "gpt2"
      and T6's GPTConfig field names: n_layer, n_head, n_embd, head_dim, rank, q_rank,
      block_size, vocab_size, bias, dropout) and pytorch_model.bin (torch.save of the state
      dict) and/or model.safetensors (written here by hand: 8-byte header length, JSON header,
      raw little-endian data), with T6's tensor names (TPA.md "Checkpoints").
  t6_ref.py logits DIR --tokens "1 2 3" --out FILE.npy [--greedy N]
      float64 logits [n_tokens, vocab] of the prompt saved as .npy; with --greedy N prints the ids
      of N greedy continuation tokens (argmax, lowest id on ties), one line, space separated.

Model (TPA.md), computed in float64:
  x = wte[token]; per block: x += attn(rms(x)); x += mlp(rms(x)); logits = rms(x) wte^T
  rms(x) = x / sqrt(mean(x^2) + eps), no weight (eps = config "rms_norm_eps", default 1e-6)
  attn: A_Q = W_A_q h viewed [H, RQ], B_Q = W_B_q h viewed [RQ, D] (KV-only: Q = c_q h viewed
  [H, D]); likewise A_K, B_K (rank R) and A_V, B_V (rank R); RoPE on the rows of B_Q, B_K (or on
  Q's heads) with T6's convention: halves x1 = x[:D/2], x2 = x[D/2:], angle p * 10000^(-2i/D),
  y1 = x1 cos + x2 sin, y2 = -x1 sin + x2 cos; Q = A_Q B_Q / RQ, K = A_K B_K / R,
  V = A_V B_V / R; causal softmax(Q K^T / sqrt(D)) V per head; heads concatenated; c_proj.
  mlp: c_proj(silu(c_fc1 h) * c_fc2 h), hidden floor(8 n_embd / 3); no biases anywhere.
"""
from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch

ROPE_BASE = 10000.0


# ---------------------------------------------------------------- checkpoint writing

def make_state_dict(cfg: dict, variant: str, seed: int) -> dict[str, torch.Tensor]:
    """Random weights, scaled so that the logits are well spread (greedy has no near ties)."""
    g = torch.Generator().manual_seed(seed)
    d, h, hd = cfg["n_embd"], cfg["n_head"], cfg["head_dim"]
    r, rq, v = cfg["rank"], cfg["q_rank"], cfg["vocab_size"]
    ff = math.floor(8 * d / 3)

    def lin(out_f: int, in_f: int, gain: float = 1.0) -> torch.Tensor:
        return torch.randn(out_f, in_f, generator=g, dtype=torch.float32) * (gain / math.sqrt(in_f))

    sd = {"transformer.wte.weight": torch.randn(v, d, generator=g, dtype=torch.float32)}
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        if variant == "full":
            sd[p + "attn.c_qkv.W_A_q.weight"] = lin(h * rq, d, 2.0)
            sd[p + "attn.c_qkv.W_B_q.weight"] = lin(rq * hd, d, 2.0)
        else:
            sd[p + "attn.c_q.weight"] = lin(h * hd, d, 2.0)
        sd[p + "attn.c_qkv.W_A_k.weight"] = lin(h * r, d, 2.0)
        sd[p + "attn.c_qkv.W_B_k.weight"] = lin(r * hd, d, 2.0)
        sd[p + "attn.c_qkv.W_A_v.weight"] = lin(h * r, d)
        sd[p + "attn.c_qkv.W_B_v.weight"] = lin(r * hd, d)
        sd[p + "attn.c_proj.weight"] = lin(d, h * hd, 4.0)
        sd[p + "mlp.c_fc1.weight"] = lin(ff, d)
        sd[p + "mlp.c_fc2.weight"] = lin(ff, d)
        sd[p + "mlp.c_proj.weight"] = lin(d, ff, 4.0)
    return sd


def write_safetensors(path: Path, sd: dict[str, torch.Tensor]) -> None:
    """The safetensors layout: u64 LE header size, JSON header {name: {dtype, shape,
    data_offsets}}, then the tensors' bytes back to back (offsets relative to the data start)."""
    header: dict = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, t in sd.items():
        raw = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def make_checkpoint(out: Path, cfg: dict, variant: str, fmt: str, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sd = make_state_dict(cfg, variant, seed)
    config = {"model_type": "gpt2", **cfg, "bias": False, "dropout": 0.0}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    if fmt in ("bin", "both"):
        torch.save(sd, out / "pytorch_model.bin")
    if fmt in ("safetensors", "both"):
        write_safetensors(out / "model.safetensors", sd)


# ---------------------------------------------------------------- checkpoint reading

def load_checkpoint(path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    cfg = json.loads((path / "config.json").read_text())
    if (path / "pytorch_model.bin").exists():
        sd = torch.load(path / "pytorch_model.bin", map_location="cpu")
    else:
        raw = (path / "model.safetensors").read_bytes()
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + n])
        base = 8 + n
        sd = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            assert info["dtype"] == "F32", info["dtype"]
            a, b = info["data_offsets"]
            arr = np.frombuffer(raw[base + a:base + b], dtype="<f4").reshape(info["shape"])
            sd[name] = torch.from_numpy(arr.copy())
    return cfg, {k: v.to(torch.float64) for k, v in sd.items()}


# ---------------------------------------------------------------- the model

def rms(x: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def t6_rope(x: torch.Tensor) -> torch.Tensor:
    """x [T, rows, D]: T6's rotation of each row at its token's position (module docstring)."""
    t_len, _, dim = x.shape
    half = dim // 2
    inv = 1.0 / (ROPE_BASE ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    ang = torch.outer(torch.arange(t_len, dtype=torch.float64), inv)  # [T, D/2]
    cos, sin = ang.cos()[:, None, :], ang.sin()[:, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos + x2 * sin, -x1 * sin + x2 * cos], dim=-1)


def forward(cfg: dict, sd: dict[str, torch.Tensor], tokens: list[int],
            cache_dtype: torch.dtype | None = None) -> np.ndarray:
    """Logits [T, vocab] in float64. cache_dtype (e.g. torch.float16) rounds the cached factors
    A_K, rotated B_K, A_V and B_V to that type first, as a KV cache of that type holds them."""
    d, h, hd = cfg["n_embd"], cfg["n_head"], cfg["head_dim"]
    r, rq = cfg["rank"], cfg["q_rank"]
    eps = float(cfg.get("rms_norm_eps", 1e-6))
    t_len = len(tokens)
    wte = sd["transformer.wte.weight"]
    x = wte[torch.tensor(tokens)]
    mask = torch.triu(torch.ones(t_len, t_len, dtype=torch.bool), diagonal=1)
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        hn = rms(x, eps)

        def lin(name: str) -> torch.Tensor:
            return hn @ sd[p + name].T

        if p + "attn.c_q.weight" in sd:  # KV-only: plain Q
            q = t6_rope(lin("attn.c_q.weight").view(t_len, h, hd))
        else:
            a_q = lin("attn.c_qkv.W_A_q.weight").view(t_len, h, rq)
            b_q = t6_rope(lin("attn.c_qkv.W_B_q.weight").view(t_len, rq, hd))
            q = torch.einsum("thr,trd->thd", a_q, b_q) / rq
        a_k = lin("attn.c_qkv.W_A_k.weight").view(t_len, h, r)
        b_k = t6_rope(lin("attn.c_qkv.W_B_k.weight").view(t_len, r, hd))
        a_v = lin("attn.c_qkv.W_A_v.weight").view(t_len, h, r)
        b_v = lin("attn.c_qkv.W_B_v.weight").view(t_len, r, hd)
        if cache_dtype is not None:
            a_k, b_k, a_v, b_v = (t.to(cache_dtype).to(torch.float64) for t in (a_k, b_k, a_v, b_v))
        k = torch.einsum("thr,trd->thd", a_k, b_k) / r
        v = torch.einsum("thr,trd->thd", a_v, b_v) / r
        s = torch.einsum("thd,shd->hts", q, k) / math.sqrt(hd)
        s = s.masked_fill(mask, float("-inf"))
        y = torch.einsum("hts,shd->thd", torch.softmax(s, dim=-1), v).reshape(t_len, h * hd)
        x = x + y @ sd[p + "attn.c_proj.weight"].T

        hn = rms(x, eps)
        gate = torch.nn.functional.silu(lin("mlp.c_fc1.weight"))
        x = x + (gate * lin("mlp.c_fc2.weight")) @ sd[p + "mlp.c_proj.weight"].T
    return (rms(x, eps) @ wte.T).numpy()


def greedy(cfg: dict, sd: dict[str, torch.Tensor], tokens: list[int], n: int,
           cache_dtype: torch.dtype | None = None) -> list[int]:
    seq, out = list(tokens), []
    for _ in range(n):
        nxt = int(np.argmax(forward(cfg, sd, seq, cache_dtype)[-1]))  # argmax: lowest id on ties
        out.append(nxt)
        seq.append(nxt)
    return out


# ---------------------------------------------------------------- command line

def main() -> int:
    torch.set_grad_enabled(False)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make")
    mk.add_argument("dir", type=Path)
    mk.add_argument("--variant", choices=["full", "kv"], default="full")
    mk.add_argument("--format", choices=["bin", "safetensors", "both"], default="bin")
    mk.add_argument("--seed", type=int, default=0)
    mk.add_argument("--n-layer", type=int, default=2)
    mk.add_argument("--n-head", type=int, default=4)
    mk.add_argument("--n-embd", type=int, default=48)
    mk.add_argument("--head-dim", type=int, default=16)
    mk.add_argument("--rank", type=int, default=2)
    mk.add_argument("--q-rank", type=int, default=6)
    mk.add_argument("--vocab", type=int, default=320)
    mk.add_argument("--block-size", type=int, default=256)
    lg = sub.add_parser("logits")
    lg.add_argument("dir", type=Path)
    lg.add_argument("--tokens", required=True)
    lg.add_argument("--out", type=Path, required=True)
    lg.add_argument("--greedy", type=int, default=0)
    a = ap.parse_args()
    if a.cmd == "make":
        cfg = {"n_layer": a.n_layer, "n_head": a.n_head, "n_embd": a.n_embd,
               "head_dim": a.head_dim, "rank": a.rank, "q_rank": a.q_rank,
               "block_size": a.block_size, "vocab_size": a.vocab}
        make_checkpoint(a.dir, cfg, a.variant, a.format, a.seed)
        return 0
    cfg, sd = load_checkpoint(a.dir)
    tokens = [int(t) for t in a.tokens.split()]
    np.save(a.out, forward(cfg, sd, tokens))
    if a.greedy > 0:
        print(" ".join(str(t) for t in greedy(cfg, sd, tokens, a.greedy)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
