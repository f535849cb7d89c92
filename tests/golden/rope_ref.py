#!/usr/bin/python3
"""Golden RoPE following ggml's ggml_rope_ext semantics (ext_factor 0, attn_factor 1), in
float64: theta_scale = base^(-2/n_rot); for pair i0/2 the angle is
freq_scale * pos * theta_scale^(i0/2) / freq_factors[i0/2]. Normal mode rotates (x[i0], x[i0+1]),
neox mode rotates (x[i0/2], x[i0/2 + n_rot/2]); dims >= n_rot pass through.
Usage: rope_ref.py mode(normal|neox) n_tokens n_heads head_dim n_rot base freq_scale use_ff seed
Prints x (float32 input), pos, ff (when use_ff) and out, in golden_io format."""
import sys

import numpy as np

from golden_io import emit


def main():
    mode = sys.argv[1]
    n_tokens, n_heads, head_dim, n_rot = (int(a) for a in sys.argv[2:6])
    base, freq_scale = float(sys.argv[6]), float(sys.argv[7])
    use_ff, seed = int(sys.argv[8]), int(sys.argv[9])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_tokens, n_heads, head_dim)).astype(np.float32)
    pos = rng.integers(0, 131072, size=n_tokens).astype(np.int32)
    ff = rng.uniform(1.0, 8.0, size=n_rot // 2).astype(np.float32) if use_ff else None
    out = x.astype(np.float64).copy()
    theta_scale = base ** (-2.0 / n_rot)
    for t in range(n_tokens):
        theta = float(pos[t])
        for i0 in range(0, n_rot, 2):
            f = float(ff[i0 // 2]) if use_ff else 1.0
            angle = freq_scale * theta / f
            c, s = np.cos(angle), np.sin(angle)
            if mode == "normal":
                ia, ib = i0, i0 + 1
            else:
                ia, ib = i0 // 2, i0 // 2 + n_rot // 2
            a = x[t, :, ia].astype(np.float64)
            b = x[t, :, ib].astype(np.float64)
            out[t, :, ia] = a * c - b * s
            out[t, :, ib] = a * s + b * c
            theta *= theta_scale
    emit("x", x)
    emit("pos", pos)
    if use_ff:
        emit("ff", ff)
    emit("out", out)


if __name__ == "__main__":
    main()
