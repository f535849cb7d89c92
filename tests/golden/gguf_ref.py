#!/usr/bin/python3
"""An independent GGUF v2/v3 writer and reader (struct + numpy only), the golden reference for
Quire's engine/gguf. Written from the GGUF spec (ggml docs/gguf.md), sharing no code with Quire.

  gguf_ref.py write OUT.gguf OUT.json [--version 2|3]   sample file + the values it holds
  gguf_ref.py read IN.gguf                                 the file's contents as JSON on stdout
  gguf_ref.py corpus DIR                                   small valid and broken seed files

JSON: {"version", "alignment", "metadata": [{"key", "value": NODE}], "tensors": [{"name",
"type" (GGML id), "shape" (innermost first), "offset", "data_hex"}]}, where NODE is
{"type": id, "value": scalar} or, for arrays, {"type": 9, "elem": id, "value": [NODE...]}.
"""
import json
import os
import struct
import sys

import numpy as np

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
          BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}
# GGML type id -> (block elements, block bytes), for the types the sample uses.
BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 13: (256, 176),
          14: (256, 210), 30: (1, 2)}


# ---- writing -------------------------------------------------------------------------------
def node(t, v, elem=None):
    if t == ARR:
        return {"type": ARR, "elem": elem, "value": v}
    if t == F32:  # what the file holds is the float32 nearest to v
        v = struct.unpack("<f", struct.pack("<f", v))[0]
    if t == BOOL:
        v = bool(v)
    return {"type": t, "value": v}


def enc_str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def enc_payload(n):
    t = n["type"]
    if t == STR:
        return enc_str(n["value"])
    if t == ARR:
        out = struct.pack("<IQ", n["elem"], len(n["value"]))
        return out + b"".join(enc_payload(x) for x in n["value"])
    return struct.pack(SCALAR[t], n["value"])


def build(version, alignment, metadata, tensors):
    """metadata: [(key, NODE)]; tensors: [(name, ggml_type, shape, data bytes)]."""
    meta = list(metadata)
    if alignment != 32:
        meta.insert(0, ("general.alignment", node(U32, alignment)))
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(meta)))
    for key, n in meta:
        out += enc_str(key) + struct.pack("<I", n["type"]) + enc_payload(n)
    offsets, off = [], 0
    for name, ggml_type, shape, data in tensors:
        offsets.append(off)
        out += enc_str(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape)
        out += struct.pack("<IQ", ggml_type, off)
        off += (len(data) + alignment - 1) // alignment * alignment
    out += b"\0" * (-len(out) % alignment)
    for _, _, _, data in tensors:
        out += data + b"\0" * (-len(data) % alignment)
    desc = {"version": version, "alignment": alignment,
            "metadata": [{"key": k, "value": n} for k, n in meta],
            "tensors": [{"name": name, "type": t, "shape": list(shape), "offset": o,
                         "data_hex": data.hex()}
                        for (name, t, shape, data), o in zip(tensors, offsets)]}
    return bytes(out), desc


def sample(version):
    rng = np.random.default_rng(7)
    strings = [node(STR, s) for s in ["<unk>", "<s>", "</s>", "▁the", "é", ""]]
    metadata = [
        ("general.architecture", node(STR, "llama")),
        ("general.name", node(STR, "golden sample")),
        ("t.u8", node(U8, 200)), ("t.i8", node(I8, -100)),
        ("t.u16", node(U16, 60000)), ("t.i16", node(I16, -30000)),
        ("t.u32", node(U32, 3000000000)), ("t.i32", node(I32, -2000000000)),
        ("t.u64", node(U64, 2**64 - 1)), ("t.i64", node(I64, -2**63)),
        ("t.f32", node(F32, 0.1)), ("t.f64", node(F64, -2.5e-300)),
        ("t.bool", node(BOOL, True)), ("t.str", node(STR, "line one\nline two ✓")),
        ("tokenizer.ggml.tokens", node(ARR, strings, STR)),
        ("tokenizer.ggml.scores", node(ARR, [node(F32, float(x)) for x in rng.normal(size=6)], F32)),
        ("tokenizer.ggml.token_type", node(ARR, [node(I32, x) for x in [2, 3, 3, 1, 1, 1]], I32)),
        ("t.nested", node(ARR, [node(ARR, [node(U16, 1), node(U16, 2)], U16),
                                node(ARR, [], U8),
                                node(ARR, [node(ARR, [node(BOOL, False)], BOOL)], ARR)], ARR)),
    ]
    f32 = rng.normal(size=(3, 8)).astype("<f4")            # numpy (rows, cols) = ggml [8, 3]
    f16 = np.linspace(-1, 1, 16).astype("<f2")
    q8 = bytes(rng.integers(0, 256, size=34 * 2, dtype=np.uint8))
    tensors = [("token_embd.weight", 0, [8, 3], f32.tobytes()),
               ("output_norm.weight", 1, [16], f16.tobytes()),
               ("blk.0.attn_q.weight", 8, [32, 2], q8)]
    return build(version, 64, metadata, tensors)


# ---- reading -------------------------------------------------------------------------------
class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, n):
        if self.p + n > len(self.d):
            raise ValueError(f"truncated at offset {self.p}")
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        return self.take(self.unpack("<Q")).decode("utf-8")

    def value(self, t):
        if t == STR:
            return {"type": t, "value": self.string()}
        if t == ARR:
            elem, count = self.unpack("<I"), self.unpack("<Q")
            return {"type": t, "elem": elem, "value": [self.value(elem) for _ in range(count)]}
        v = self.unpack(SCALAR[t])
        return {"type": t, "value": bool(v) if t == BOOL else v}


def read(data):
    r = Reader(data)
    if r.take(4) != b"GGUF":
        raise ValueError("bad magic")
    version = r.unpack("<I")
    if version not in (2, 3):
        raise ValueError(f"version {version}")
    n_tensors, n_kv = r.unpack("<Q"), r.unpack("<Q")
    metadata = []
    for _ in range(n_kv):
        key = r.string()
        metadata.append({"key": key, "value": r.value(r.unpack("<I"))})
    alignment = next((m["value"]["value"] for m in metadata if m["key"] == "general.alignment"), 32)
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        shape = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
        infos.append((name, r.unpack("<I"), shape, r.unpack("<Q")))
    base = (r.p + alignment - 1) // alignment * alignment
    tensors = []
    for name, t, shape, off in infos:
        block_elems, block_bytes = BLOCKS[t]
        n_bytes = int(np.prod(shape)) // block_elems * block_bytes
        data_hex = data[base + off:base + off + n_bytes]
        if len(data_hex) != n_bytes:
            raise ValueError(f"tensor {name} truncated")
        tensors.append({"name": name, "type": t, "shape": shape, "offset": off,
                        "data_hex": data_hex.hex()})
    return {"version": version, "alignment": alignment, "metadata": metadata, "tensors": tensors}


def corpus(folder):
    """Seeds for the fuzzer: valid files of each shape and a few broken ones."""
    os.makedirs(folder, exist_ok=True)
    full, _ = sample(3)
    v2, _ = build(2, 32, [("general.architecture", node(STR, "llama"))],
                  [("w", 0, [4], bytes(16))])
    meta_only, _ = build(3, 32, [(m["key"], m["value"]) for m in sample(3)[1]["metadata"][1:]], [])
    seeds = {"sample_v3.gguf": full, "tiny_v2.gguf": v2, "metadata_only.gguf": meta_only,
             "truncated.gguf": full[:len(full) // 2], "header_only.gguf": full[:24],
             "bad_version.gguf": full[:4] + struct.pack("<I", 1) + full[8:200]}
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main(argv):
    if len(argv) >= 4 and argv[1] == "write":
        version = int(argv[5]) if len(argv) >= 6 and argv[4] == "--version" else 3
        data, desc = sample(version)
        with open(argv[2], "wb") as f:
            f.write(data)
        with open(argv[3], "w", encoding="utf-8") as f:
            json.dump(desc, f, indent=1)
        return 0
    if len(argv) == 3 and argv[1] == "read":
        with open(argv[2], "rb") as f:
            json.dump(read(f.read()), sys.stdout, indent=1)
        return 0
    if len(argv) == 3 and argv[1] == "corpus":
        corpus(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
