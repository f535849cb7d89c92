#!/usr/bin/python3
"""Independent numpy model of Quire's tensorized attention, written from TENSORIZED.md.

It builds each hop as n x n masked-softmax matrices (W_j, A_j = Own_j + Past_j) and multiplies
them as the "Dense equivalent" section says (cone: M = A_1 ... A_d; complete: C_j = W_j C_{j+1},
O_j = Own_j O_{j+1} + Past_j C_{j+1}, M = O_1), then compares M V with kern::ref's output on
cases written by tensorized_golden_case.

Usage: tensorized_ref.py CASE_EXE WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np

CASES = [
    # dims, n, hq, hkv, dim, variant, rope kind, rope mode, n_rot, seed
    ("16", 13, 2, 1, 8, "complete", "global", "normal", 8, 1),
    ("4x8", 32, 4, 2, 8, "complete", "local", "normal", 6, 2),
    ("4x8", 29, 4, 2, 8, "cone", "local", "neox", 8, 3),
    ("3x4x5", 60, 4, 1, 8, "complete", "global", "neox", 8, 4),
    ("3x4x5", 47, 2, 2, 8, "complete", "local", "normal", 8, 5),
    ("3x4x5", 47, 2, 2, 8, "cone", "global", "normal", 4, 6),
    ("2x3x2x4", 48, 3, 1, 4, "complete", "local", "neox", 4, 7),
    ("5x6", 28, 2, 1, 8, "cone", "local", "normal", 0, 8),
]


def rope(x, pos, mode, n_rot, base=10000.0):
    """x [n, heads, dim] rotated by pos [n] (ggml rope, no scaling)."""
    y = x.astype(np.float64).copy()
    half = n_rot // 2
    if half == 0:
        return y
    theta = base ** (-2.0 * np.arange(half) / n_rot)
    ang = pos[:, None].astype(np.float64) * theta[None, :]
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    if mode == "normal":
        ia, ib = np.arange(half) * 2, np.arange(half) * 2 + 1
    else:
        ia, ib = np.arange(half), np.arange(half) + half
    a, b = x[:, :, ia].astype(np.float64), x[:, :, ib].astype(np.float64)
    y[:, :, ia] = a * cos - b * sin
    y[:, :, ib] = a * sin + b * cos
    return y


def masked_softmax(scores, mask):
    s = np.where(mask, scores, -np.inf)
    s = s - s.max(axis=1, keepdims=True)
    e = np.where(mask, np.exp(s), 0.0)
    return e / e.sum(axis=1, keepdims=True)


def tensorized(q, k, v, dims, variant, rope_kind, mode, n_rot):
    n, hq, dim = q.shape
    hkv = k.shape[1]
    d = len(dims)
    strides = [int(np.prod(dims[j + 1:])) for j in range(d)]
    t = np.arange(n)
    coords = np.stack([(t // strides[j]) % dims[j] for j in range(d)], axis=1)  # [n, d]
    eye = np.eye(n)
    out = np.zeros((n, hq, dim))
    for h in range(hq):
        g = h // (hq // hkv)
        closed, opened = eye.copy(), eye.copy()
        for j in reversed(range(d)):
            pos = t if rope_kind == "global" else coords[:, j]
            qr = rope(q, pos, mode, n_rot)[:, h, :]
            kr = rope(k, pos, mode, n_rot)[:, g, :]
            scores = qr @ kr.T / np.sqrt(dim)
            others = [i for i in range(d) if i != j]
            fiber = np.all(coords[:, None, others] == coords[None, :, others], axis=2)
            cj = coords[:, j]
            causal = fiber & (cj[None, :] <= cj[:, None])
            past = fiber & (cj[None, :] < cj[:, None])
            a = masked_softmax(scores, causal)
            if variant == "cone":
                opened = a @ opened
            else:
                own = np.diag(np.diag(a))
                new_open = own @ opened + np.where(past, a, 0.0) @ closed
                closed = masked_softmax(scores, fiber) @ closed
                opened = new_open
        out[:, h, :] = opened @ v[:, g, :].astype(np.float64)
    return out


def main():
    exe, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    worst = 0.0
    for dims_s, n, hq, hkv, dim, variant, rope_kind, mode, n_rot, seed in CASES:
        subprocess.run([exe, work, dims_s, str(n), str(hq), str(hkv), str(dim), variant,
                        rope_kind, mode, str(n_rot), str(seed)], check=True)
        load = lambda name, h: np.fromfile(os.path.join(work, name), np.float32).reshape(n, h, dim)
        q, k, v = load("q.f32", hq), load("k.f32", hkv), load("v.f32", hkv)
        got = load("out.f32", hq)
        dims = [int(x) for x in dims_s.split("x")]
        want = tensorized(q, k, v, dims, variant, rope_kind, mode, n_rot)
        err = float(np.abs(want - got).max())
        worst = max(worst, err)
        print(f"{dims_s:>8} n={n:3} {hq}/{hkv} heads {variant:8} {rope_kind:6} {mode:6} "
              f"n_rot={n_rot}: max |numpy - ref| = {err:.2e}")
        if not err < 2e-6:
            print("FAIL: kern::ref::attention_tensorized disagrees with the numpy model")
            return 1
    print(f"all {len(CASES)} cases agree (worst {worst:.2e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
