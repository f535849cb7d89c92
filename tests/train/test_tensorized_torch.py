#!/usr/bin/python3
"""The PyTorch tensorized attention of resources/models/train/model.py against a direct per-token
reference of TENSORIZED.md written here in numpy (float64, memoized recursion over fibers, its own
RoPE), plus the properties the spec lists: d = 1 is full causal attention, causality, full causal
support of `complete`, exact attention inside the first finest chunk."""
import math
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "models", "train"))
import model  # noqa: E402

torch.set_num_threads(1)


# ---- the reference: TENSORIZED.md read literally, one token at a time ----------------------
def ref_rope(x, p, base):
    """One vector x[D] at position p, ggml NORMAL (adjacent pairs)."""
    out = x.copy()
    for i in range(0, len(x), 2):
        a = p * base ** (-i / len(x))
        out[i] = x[i] * math.cos(a) - x[i + 1] * math.sin(a)
        out[i + 1] = x[i] * math.sin(a) + x[i + 1] * math.cos(a)
    return out


class Ref:
    def __init__(self, q, k, v, dims, variant, rope_mode, base=10000.0):
        self.q, self.k, self.v = q, k, v          # [N, D] for one query head (kv already chosen)
        self.n, self.dims, self.variant, self.rope_mode, self.base = len(q), dims, variant, rope_mode, base
        self.d = len(dims)
        self.strides = [int(np.prod(dims[j + 1:])) for j in range(self.d)]
        self.memo = {}

    def c(self, j, t):
        return (t // self.strides[j]) % self.dims[j]

    def fiber(self, j, t):
        """Real positions sharing every coordinate of t but c_j; padding is never listed."""
        base_t = t - self.c(j, t) * self.strides[j]
        return [base_t + i * self.strides[j] for i in range(self.dims[j])
                if base_t + i * self.strides[j] < self.n]

    def score(self, j, t, s):
        pt, ps = (t, s) if self.rope_mode == "global" else (self.c(j, t), self.c(j, s))
        qd = ref_rope(self.q[t], pt, self.base)
        kd = ref_rope(self.k[s], ps, self.base)
        return float(qd @ kd) / math.sqrt(len(qd))

    def softmax_mix(self, entries):
        """entries: [(logit, value vector)] -> sum softmax(logit) * value."""
        m = max(e[0] for e in entries)
        w = [math.exp(e[0] - m) for e in entries]
        return sum(wi * e[1] for wi, e in zip(w, entries)) / sum(w)

    def state(self, kind, j, t):  # kind: "closed" | "open" | "x" (cone); j in 1..d+1
        key = (kind, j, t)
        if key in self.memo:
            return self.memo[key]
        if j == self.d + 1:
            r = self.v[t]
        elif kind == "x":
            r = self.softmax_mix([(self.score(j - 1, t, s), self.state("x", j + 1, s))
                                  for s in self.fiber(j - 1, t) if self.c(j - 1, s) <= self.c(j - 1, t)])
        elif kind == "closed":
            r = self.softmax_mix([(self.score(j - 1, t, s), self.state("closed", j + 1, s))
                                  for s in self.fiber(j - 1, t)])
        else:
            entries = [(self.score(j - 1, t, s), self.state("closed", j + 1, s))
                       for s in self.fiber(j - 1, t) if self.c(j - 1, s) < self.c(j - 1, t)]
            entries.append((self.score(j - 1, t, t), self.state("open", j + 1, t)))
            r = self.softmax_mix(entries)
        self.memo[key] = r
        return r

    def output(self):
        kind = "x" if self.variant == "cone" else "open"
        return np.stack([self.state(kind, 1, t) for t in range(self.n)])


def reference(q, k, v, dims, variant, rope_mode):
    """q: [B, Hq, N, D], k, v: [B, Hkv, N, D] float64 numpy -> [B, Hq, N, D]."""
    b, hq = q.shape[:2]
    group = hq // k.shape[1]
    out = np.zeros_like(q)
    for bi in range(b):
        for h in range(hq):
            out[bi, h] = Ref(q[bi, h], k[bi, h // group], v[bi, h // group], dims, variant, rope_mode).output()
    return out


def inputs(seed, b, hq, hkv, n, d):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, hq, n, d, generator=g, dtype=torch.float64),
            torch.randn(b, hkv, n, d, generator=g, dtype=torch.float64) * 1.5,
            torch.randn(b, hkv, n, d, generator=g, dtype=torch.float64))


class TensorizedAgainstReference(unittest.TestCase):
    def check(self, dims, n, variant, rope_mode, hq=4, hkv=2, seed=1):
        q, k, v = inputs(seed, 1, hq, hkv, n, 8)
        got = model.tensorized_attention(q, k, v, dims, variant, rope_mode).numpy()
        want = reference(q.numpy(), k.numpy(), v.numpy(), dims, variant, rope_mode)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10,
                                   err_msg=f"{dims} N={n} {variant} {rope_mode}")
        dense = model.dense_tensorized_matrix(q, k, dims, variant, rope_mode) @ model.expand_kv(v, hq)
        np.testing.assert_allclose(dense.numpy(), want, rtol=1e-9, atol=1e-10)

    def test_every_variant_and_rope_with_gqa_and_padding(self):
        for variant in model.VARIANTS:
            for rope_mode in model.ROPE_MODES:
                self.check([3, 4, 5], 47, variant, rope_mode)    # order 3, 13 padding positions
                self.check([4, 6], 24, variant, rope_mode)       # order 2, no padding

    def test_order_one_is_full_causal_attention(self):
        q, k, v = inputs(2, 2, 4, 1, 30, 8)
        full = model.full_attention(q, k, v, 10000.0)
        for variant in model.VARIANTS:
            got = model.tensorized_attention(q, k, v, [32], variant, "local")
            np.testing.assert_allclose(got.numpy(), full.numpy(), rtol=1e-10, atol=1e-12)

    def test_causal_bit_identical(self):
        q, k, v = inputs(3, 1, 2, 2, 40, 8)
        for variant in model.VARIANTS:
            for rope_mode in model.ROPE_MODES:
                base = model.tensorized_attention(q, k, v, [2, 4, 5], variant, rope_mode)
                for t in (0, 7, 19, 33):
                    q2, k2, v2 = q.clone(), k.clone(), v.clone()
                    q2[:, :, t + 1:] = 1e4
                    k2[:, :, t + 1:] = -1e4
                    v2[:, :, t + 1:] = 3e4  # finite: a dense matmul multiplies NaN by its 0 weight
                    got = model.tensorized_attention(q2, k2, v2, [2, 4, 5], variant, rope_mode)
                    self.assertTrue(torch.equal(got[:, :, :t + 1], base[:, :, :t + 1]),
                                    f"{variant} {rope_mode}: token {t} sees the future")

    def test_complete_support_and_first_chunk(self):
        q, k, _ = inputs(4, 1, 2, 1, 60, 8)
        m = model.dense_tensorized_matrix(q, k, [3, 4, 5], "complete", "local")[0]
        lower = torch.ones(60, 60, dtype=torch.bool).tril()
        self.assertTrue(bool((m[:, lower] > 0).all()), "some s <= t does not reach t")
        self.assertTrue(bool((m[:, ~lower] == 0).all()))
        np.testing.assert_allclose(m.sum(-1).numpy(), 1.0, rtol=1e-12)
        full = model.dense_tensorized_matrix(q, k, [64], "complete", "local")[0]
        np.testing.assert_allclose(m[:, :5, :5].numpy(), full[:, :5, :5].numpy(), rtol=1e-12)
        cone = model.dense_tensorized_matrix(q, k, [3, 4, 5], "cone", "local")[0]
        # token 5 = coordinates (0, 1, 0): the cone holds token 0 only of the chunk before it
        self.assertTrue(bool((cone[:, 5, 1:5] == 0).all()), "cone: first token of chunk 2 sees chunk 1")
        self.assertTrue(bool((cone[:, 5, 0] > 0).all()))

    def test_finest_hop_same_under_local_and_global(self):
        q, k, v = inputs(5, 1, 2, 2, 20, 8)
        a = model.tensorized_attention(q, k, v, [1, 20], "complete", "local")
        b = model.tensorized_attention(q, k, v, [1, 20], "complete", "global")
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


if __name__ == "__main__":
    unittest.main()
