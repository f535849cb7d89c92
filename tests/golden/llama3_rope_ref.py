#!/usr/bin/python3
"""Golden Llama 3.1 RoPE frequency factors from the published formula (Meta's apply_scaling in
llama-models, as llama.cpp's convert_hf_to_gguf.py turns it into rope_freqs divisors):
freqs = 1 / base^(arange(0, dim, 2) / dim) in float32; wavelen = 2*pi/freq;
wavelen < old/high -> 1; wavelen > old/low -> factor; else 1 / ((1 - s)/factor + s) with
s = (old/wavelen - low) / (high - low).
Usage: llama3_rope_ref.py n_rot base factor low high original_context. Prints "factors"."""
import math
import sys

import numpy as np

from golden_io import emit


def main():
    n_rot = int(sys.argv[1])
    base, factor, low, high = (float(a) for a in sys.argv[2:6])
    old = int(sys.argv[6])
    exps = np.arange(0, n_rot, 2, dtype=np.float32) / np.float32(n_rot)
    freqs = np.float32(1.0) / np.power(np.float32(base), exps)
    low_wavelen = old / low
    high_wavelen = old / high
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / float(freq)
        if wavelen < high_wavelen:
            factors.append(1.0)
        elif wavelen > low_wavelen:
            factors.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            factors.append(1.0 / ((1 - smooth) / factor + smooth))
    emit("factors", np.array(factors, dtype=np.float32))


if __name__ == "__main__":
    main()
