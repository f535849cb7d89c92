"""Llama 3.1 "llama3" RoPE frequency factors in numpy, for cross-checking the engine.

A Hugging Face config with rope_scaling {"rope_type": "llama3", factor, low_freq_factor,
high_freq_factor, original_max_position_embeddings} becomes, in GGUF, the tensor
rope_freqs.weight [head_dim/2] (convert_hf_to_gguf.py LlamaModel.generate_extra_tensors) whose
entries divide the base inverse frequencies: RoPE pair i turns by pos * base^(-2i/dim) / ff[i].

For inv_freq_i = base^(-2i/dim) and wavelength w_i = 2 pi / inv_freq_i:
  w_i < original / high_freq_factor  (high frequencies)  ff = 1
  w_i > original / low_freq_factor   (low frequencies)   ff = factor
  otherwise, with s = (original / w_i - low_freq_factor) / (high_freq_factor - low_freq_factor),
                                                          ff = 1 / ((1 - s) / factor + s)
so the medium band interpolates smoothly between the two outer bands. Computed in float64; the
converter computes in float32 and stores float32, so compare with a float32-sized tolerance.
"""

from __future__ import annotations

import math

import numpy as np


def llama3_rope_freq_factors(base: float, dim: int, factor: float = 8.0,
                             low_freq_factor: float = 1.0, high_freq_factor: float = 4.0,
                             original_max_position_embeddings: int = 8192) -> np.ndarray:
    """float64 [dim/2] divisors for RoPE pair i (see the module docstring).

    dim is the rotated head width (GGUF rope.dimension_count). Raises ValueError for an odd or
    non-positive dim, non-positive factors, or low_freq_factor == high_freq_factor (the medium
    band would divide by zero; the converter asserts the same).
    """
    if dim <= 0 or dim % 2 != 0:
        raise ValueError(f"rope dim must be positive and even, got {dim}")
    if min(base, factor, low_freq_factor, high_freq_factor,
           original_max_position_embeddings) <= 0:
        raise ValueError("base, factor, low/high_freq_factor and original_max_position_embeddings "
                         "must be positive")
    if low_freq_factor == high_freq_factor:
        raise ValueError(f"low_freq_factor and high_freq_factor are both {low_freq_factor}; "
                         "the llama3 medium band needs them to differ")
    original = float(original_max_position_embeddings)
    low_freq_wavelen = original / low_freq_factor
    high_freq_wavelen = original / high_freq_factor
    factors = np.empty(dim // 2, dtype=np.float64)
    for i in range(dim // 2):
        inv_freq = base ** (-2.0 * i / dim)
        wavelen = 2.0 * math.pi / inv_freq
        if wavelen < high_freq_wavelen:
            factors[i] = 1.0
        elif wavelen > low_freq_wavelen:
            factors[i] = factor
        else:
            s = (original / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            factors[i] = 1.0 / ((1.0 - s) / factor + s)
    return factors
