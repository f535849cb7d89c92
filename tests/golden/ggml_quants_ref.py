#!/usr/bin/python3
"""Independent numpy reference for GGML weight formats and 16-bit float conversions.

Written from the block specification (ggml-common.h layouts, dequantize_row_* semantics), not
from Quire's C++ code. Writes golden files into OUT_DIR for tests/kernels/test_quant_golden.cpp:

  <type>.blocks   random blocks: random bytes, with finite fp16 scales written over the scale
                  fields so that every block decodes to finite values
  <type>.f32      their dequantized values (float32, little-endian), computed in float32 in
                  ggml's order of operations: (d * sc) * q - (dmin * m), never fused
  f16_to_f32.u32  fp32 bits of all 65536 fp16 bit patterns (numpy's float16 -> float32)
  bf16_to_f32.u32 fp32 bits of all 65536 bf16 bit patterns (the 16 bits shifted up)
  f32_to_f16.in   float32 inputs: random bit patterns, every fp16 value, and every midpoint
                  between neighbouring fp16 values (ties), plus specials
  f32_to_f16.u16  numpy's float32 -> float16 (round to nearest even)
  f32_to_bf16.u16 float32 -> bfloat16 by bit manipulation (round to nearest even, NaN quieted)

Usage: ggml_quants_ref.py OUT_DIR [SEED]
"""
import os
import sys

import numpy as np

BLOCKS = 64  # blocks per type


def fp16_scales(rng, count, signed=True):
    """Finite fp16 scales as raw uint16: magnitudes spread over 1e-4 .. 1."""
    mag = 10.0 ** rng.uniform(-4, 0, size=count)
    if signed:
        mag *= rng.choice([-1.0, 1.0], size=count)
    return mag.astype(np.float16).view(np.uint16)


def put_u16(raw, offset, values):
    raw[:, offset:offset + 2] = values.astype('<u2').view(np.uint8).reshape(-1, 2)


def get_f16(raw, offset):
    return raw[:, offset:offset + 2].copy().view('<f2').reshape(-1).astype(np.float32)


def q8_0(raw):
    d = get_f16(raw, 0)[:, None]
    q = raw[:, 2:34].view(np.int8).astype(np.float32)
    return q * d


def q4_0(raw):
    d = get_f16(raw, 0)[:, None]
    qs = raw[:, 2:18]
    lo = (qs & 0x0F).astype(np.int32) - 8
    hi = (qs >> 4).astype(np.int32) - 8
    return np.concatenate([lo, hi], axis=1).astype(np.float32) * d


def k_scales(packed):
    """6-bit scales and mins of the 8 sub-blocks from 12 packed bytes -> two [blocks, 8]."""
    p = packed.astype(np.int32)
    sc = np.empty((p.shape[0], 8), np.int32)
    mn = np.empty((p.shape[0], 8), np.int32)
    sc[:, 0:4] = p[:, 0:4] & 63
    mn[:, 0:4] = p[:, 4:8] & 63
    sc[:, 4:8] = (p[:, 8:12] & 0x0F) | ((p[:, 0:4] >> 6) << 4)
    mn[:, 4:8] = (p[:, 8:12] >> 4) | ((p[:, 4:8] >> 6) << 4)
    return sc, mn


def k_values(raw, qs_offset, qh_offset):
    """q4_K / q5_K quants [blocks, 256] in element order, with the fifth bit when qh_offset."""
    qs = raw[:, qs_offset:qs_offset + 128].astype(np.int32).reshape(-1, 4, 32)
    q = np.empty((raw.shape[0], 4, 64), np.int32)
    q[:, :, 0:32] = qs & 0x0F
    q[:, :, 32:64] = qs >> 4
    if qh_offset is not None:
        qh = raw[:, qh_offset:qh_offset + 32].astype(np.int32)  # [blocks, 32]
        for g in range(4):
            q[:, g, 0:32] |= ((qh >> (2 * g)) & 1) << 4
            q[:, g, 32:64] |= ((qh >> (2 * g + 1)) & 1) << 4
    return q.reshape(-1, 8, 32)  # sub-block s = elements 32s .. 32s+31


def k_dequant(raw, qs_offset, qh_offset):
    d = get_f16(raw, 0)[:, None]
    dmin = get_f16(raw, 2)[:, None]
    sc, mn = k_scales(raw[:, 4:16])
    d1 = (d * sc.astype(np.float32))[:, :, None]
    m1 = (dmin * mn.astype(np.float32))[:, :, None]
    q = k_values(raw, qs_offset, qh_offset).astype(np.float32)
    return (d1 * q - m1).reshape(-1, 256)


def q4_k(raw):
    return k_dequant(raw, 16, None)


def q5_k(raw):
    return k_dequant(raw, 48, 16)


def q6_k(raw):
    d = get_f16(raw, 208)[:, None]
    sc = raw[:, 192:208].view(np.int8).astype(np.float32)  # [blocks, 16]
    q = np.empty((raw.shape[0], 2, 4, 32), np.int32)
    for h in range(2):
        ql = raw[:, 64 * h:64 * h + 64].astype(np.int32)
        qh = raw[:, 128 + 32 * h:128 + 32 * h + 32].astype(np.int32)
        q[:, h, 0] = (ql[:, 0:32] & 0x0F) | (((qh >> 0) & 3) << 4)
        q[:, h, 1] = (ql[:, 32:64] & 0x0F) | (((qh >> 2) & 3) << 4)
        q[:, h, 2] = (ql[:, 0:32] >> 4) | (((qh >> 4) & 3) << 4)
        q[:, h, 3] = (ql[:, 32:64] >> 4) | (((qh >> 6) & 3) << 4)
    q = (q.reshape(-1, 16, 16) - 32).astype(np.float32)  # sub-block of 16 = element // 16
    return ((d * sc)[:, :, None] * q).reshape(-1, 256)


# name: (block bytes, offsets of fp16 scales (signed?), decoder)
TYPES = {
    "q8_0": (34, [(0, True)], q8_0),
    "q4_0": (18, [(0, True)], q4_0),
    "q4_K": (144, [(0, True), (2, True)], q4_k),
    "q5_K": (176, [(0, True), (2, True)], q5_k),
    "q6_K": (210, [(208, True)], q6_k),
}


def f32_to_bf16(x):
    u = x.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(x)
    rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1234
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    for name, (nbytes, scales, decode) in TYPES.items():
        raw = rng.integers(0, 256, size=(BLOCKS, nbytes), dtype=np.uint8)
        for offset, signed in scales:
            put_u16(raw, offset, fp16_scales(rng, BLOCKS, signed))
        values = decode(raw).astype('<f4')
        assert np.all(np.isfinite(values))
        raw.tofile(os.path.join(out, name + ".blocks"))
        values.tofile(os.path.join(out, name + ".f32"))

    halves = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    with np.errstate(invalid="ignore"):
        halves.view(np.float16).astype(np.float32).view(np.uint32).astype('<u4').tofile(
            os.path.join(out, "f16_to_f32.u32"))

    (halves.astype(np.uint32) << 16).astype('<u4').tofile(os.path.join(out, "bf16_to_f32.u32"))

    finite = halves.view(np.float16)
    finite = np.sort(finite[np.isfinite(finite)].astype(np.float64))
    ties = ((finite[:-1] + finite[1:]) / 2).astype(np.float32)  # exact in float32
    random_bits = rng.integers(0, 2 ** 32, size=1 << 20, dtype=np.uint64).astype(np.uint32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, 65504.0, 65519.99, 65520.0, 1e-8, 2.0 ** -25,
                         2.0 ** -24, 3 * 2.0 ** -26, 1e30, -1e30], dtype=np.float32)
    inputs = np.concatenate([random_bits.view(np.float32), finite.astype(np.float32), ties,
                             specials]).astype('<f4')
    inputs.tofile(os.path.join(out, "f32_to_f16.in"))
    with np.errstate(over="ignore", invalid="ignore"):
        inputs.astype(np.float16).view(np.uint16).astype('<u2').tofile(
            os.path.join(out, "f32_to_f16.u16"))
    f32_to_bf16(inputs).astype('<u2').tofile(os.path.join(out, "f32_to_bf16.u16"))


if __name__ == "__main__":
    main()
