#!/usr/bin/python3
"""Golden exact causal attention with GQA, in float64 numpy, written from the definition (not
from Quire's code). Usage: attention_ref.py n_q n_kv n_head n_head_kv head_dim seed
Prints q, k, v (float32 inputs) and out, in golden_io format. Query i sits at position
n_kv - n_q + i; head h reads kv head h // (n_head // n_head_kv); scale = 1/sqrt(head_dim)."""
import sys

import numpy as np

from golden_io import emit


def main():
    n_q, n_kv, n_head, n_head_kv, head_dim, seed = (int(a) for a in sys.argv[1:7])
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_q, n_head, head_dim)).astype(np.float32)
    k = rng.standard_normal((n_kv, n_head_kv, head_dim)).astype(np.float32)
    v = rng.standard_normal((n_kv, n_head_kv, head_dim)).astype(np.float32)
    rep = n_head // n_head_kv
    k64 = np.repeat(k.astype(np.float64), rep, axis=1)  # [n_kv, n_head, d]
    v64 = np.repeat(v.astype(np.float64), rep, axis=1)
    scores = np.einsum("qhd,khd->hqk", q.astype(np.float64), k64) / np.sqrt(head_dim)
    pos = n_kv - n_q + np.arange(n_q)
    visible = np.arange(n_kv)[None, :] <= pos[:, None]  # [n_q, n_kv]
    scores = np.where(visible[None], scores, -np.inf)
    scores -= scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w /= w.sum(axis=-1, keepdims=True)
    out = np.einsum("hqk,khd->qhd", w, v64)
    emit("q", q)
    emit("k", k)
    emit("v", v)
    emit("out", out)


if __name__ == "__main__":
    main()
