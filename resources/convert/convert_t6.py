#!/usr/bin/python3
"""Converts a T6 (Tensor Product Attention) checkpoint to a GGUF file of architecture `t6`.

  convert_t6.py CHECKPOINT_DIR --out MODEL.gguf [--type f16|f32] [--name NAME]

Needs Debian's python3-torch (/usr/bin/python3) and nothing of Quire: `quire-cli convert t6`
runs this script. Exit status 0 on success; 2 with a message for a directory that is not a T6
checkpoint or is inconsistent.

Input (T6's training code, TPA.md "Checkpoints"): config.json (T6's GPTConfig fields n_layer,
n_head, n_embd, head_dim, rank, q_rank, block_size, vocab_size; optional rms_norm_eps, default
1e-6, and rope_theta, default 10000; model_type says "gpt2" and is ignored) and the weights in
pytorch_model.bin (a torch.save'd state dict) or model.safetensors (F32, F16 or BF16). Keys may
carry torch.compile's "_orig_mod." or DDP's "module." prefix. A checkpoint is recognized by its
tensor names: transformer.h.N.attn.c_qkv.W_{A,B}_{k,v}.weight, plus W_{A,B}_q (full TPA) or
attn.c_q.weight (the KV-only variant, Q from a plain linear layer).

Output (what engine/model reads for arch `t6`):
  metadata  t6.block_count, t6.context_length (block_size), t6.embedding_length,
            t6.feed_forward_length, t6.attention.head_count (= head_count_kv),
            t6.attention.key_length = value_length = head_dim, t6.attention.rank_q (0: KV-only),
            t6.attention.rank_k, t6.attention.rank_v, t6.rope.dimension_count = head_dim,
            t6.rope.freq_base, t6.attention.layer_norm_rms_epsilon, t6.vocab_size
  tensors   token_embd.weight [vocab, d] (tied: no output.weight); output_norm.weight,
            blk.N.attn_norm.weight, blk.N.ffn_norm.weight: all ones (T6's RMSNorm has no
            weight; ones make it the engine's weighted rms_norm exactly);
            blk.N.attn_q_a.weight [h*RQ, d], attn_q_b [RQ*D, d] (full) or attn_q [h*D, d]
            (KV-only); attn_k_a [h*RK, d], attn_k_b [RK*D, d], attn_v_a [h*RV, d],
            attn_v_b [RV*D, d]; attn_output [d, h*D]; ffn_gate (mlp.c_fc1), ffn_up (mlp.c_fc2),
            ffn_down (mlp.c_proj). GGUF lists dims innermost first: a torch [out, in] weight is
            ggml [in, out] with the same bytes.
  RoPE      T6 rotates the halves (x1, x2) of each B_Q / B_K row (and each Q head in KV-only) by
            -angle: y1 = x1 cos + x2 sin, y2 = -x1 sin + x2 cos. With s = the swap of the halves,
            T6's rotation is s . R(+angle) . s, and q.k is unchanged by applying s to both, so
            this script swaps the halves of the rows of W_B_q, W_B_k (and c_q) and the engine
            applies the common half-split (neox) rotation by +angle. Nothing else reads B_Q or
            B_K, so logits are exactly T6's.
  tokenizer tokenizer.ggml.model "gpt2", pre "gpt2" (GPT-2's tokenizer, which T6 trains with).
            With vocab.json + merges.txt in the checkpoint folder they are used as they are.
            Without them a byte-level vocabulary is written: ids 0..255 are GPT-2's 256 byte
            tokens (the same ids GPT-2 gives them), <|endoftext|> is id 50256 when the vocabulary
            is that large (else 256), the rest are unused placeholders, and there are no merges:
            text then encodes one token per byte, which matches GPT-2's ids only for text whose
            BPE merges nothing. Token ids given directly are unaffected.
"""
from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

GGUF_VERSION, ALIGNMENT = 3, 32
T_U32, T_F32, T_BOOL, T_STR, T_ARR, T_I32 = 4, 6, 7, 8, 9, 5
GGML_F32, GGML_F16 = 0, 1
TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_UNUSED = 1, 3, 5
SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": "bf16"}


class ConvertError(Exception):
    pass


# ---------------------------------------------------------------- GGUF writing

class GgufWriter:
    """GGUF v3: header, key-values, tensor infos, then each tensor's data at ALIGNMENT."""

    def __init__(self) -> None:
        self.kv: list[bytes] = []
        self.tensors: list[tuple[str, int, list[int], bytes]] = []

    @staticmethod
    def _s(text: str) -> bytes:
        raw = text.encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw

    def add(self, key: str, vtype: int, value, elem: int | None = None) -> None:
        out = self._s(key) + struct.pack("<I", vtype)
        if vtype == T_STR:
            out += self._s(value)
        elif vtype == T_ARR:
            out += struct.pack("<IQ", elem, len(value))
            if elem == T_STR:
                out += b"".join(self._s(v) for v in value)
            else:
                out += np.asarray(value, dtype={T_I32: "<i4", T_F32: "<f4"}[elem]).tobytes()
        else:
            out += struct.pack({T_U32: "<I", T_F32: "<f", T_BOOL: "<?"}[vtype], value)
        self.kv.append(out)

    def add_tensor(self, name: str, array: np.ndarray, ggml_type: int) -> None:
        dtype = "<f4" if ggml_type == GGML_F32 else "<f2"
        data = np.ascontiguousarray(array, dtype=dtype).tobytes()
        self.tensors.append((name, ggml_type, list(reversed(array.shape)), data))

    def write(self, path: Path) -> None:
        head = bytearray(b"GGUF" + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors),
                                               len(self.kv)))
        for rec in self.kv:
            head += rec
        offset = 0
        for name, t, shape, data in self.tensors:
            head += self._s(name) + struct.pack("<I", len(shape))
            head += b"".join(struct.pack("<Q", d) for d in shape)
            head += struct.pack("<IQ", t, offset)
            offset += -(-len(data) // ALIGNMENT) * ALIGNMENT
        head += b"\0" * (-len(head) % ALIGNMENT)
        tmp = path.with_name(path.name + ".partial")
        with open(tmp, "wb") as f:
            f.write(head)
            for _, _, _, data in self.tensors:
                f.write(data + b"\0" * (-len(data) % ALIGNMENT))
        tmp.replace(path)


# ---------------------------------------------------------------- checkpoint reading

def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    if len(raw) < 8:
        raise ConvertError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ConvertError(f"{path}: header length {n} passes the end of the file")
    try:
        header = json.loads(raw[8:8 + n])
    except ValueError as e:
        raise ConvertError(f"{path}: the JSON header is damaged ({e})") from e
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise ConvertError(f"{path}: tensor {name} has dtype {info.get('dtype')}; "
                               f"supported: {', '.join(SAFETENSORS_DTYPES)}")
        a, b = info["data_offsets"]
        shape = [int(x) for x in info["shape"]]
        itemsize = 2 if dtype in ("<f2", "bf16") else 4
        if not (0 <= a <= b <= len(raw) - base) or b - a != math.prod(shape) * itemsize:
            raise ConvertError(f"{path}: tensor {name} has offsets {a}..{b} that do not fit "
                               f"its shape {shape} or the file")
        blob = np.frombuffer(raw[base + a:base + b], dtype="<u2" if dtype == "bf16" else dtype)
        if dtype == "bf16":
            blob = (blob.astype(np.uint32) << 16).view(np.float32)
        out[name] = blob.astype(np.float32).reshape(shape)
    return out


def read_weights(ckpt: Path) -> dict[str, np.ndarray]:
    if (ckpt / "pytorch_model.bin").exists():
        try:
            import torch
        except ImportError as e:
            raise ConvertError("PyTorch is missing: install Debian's python3-torch "
                               "(apt-get install python3-torch)") from e
        sd = torch.load(ckpt / "pytorch_model.bin", map_location="cpu")
        if isinstance(sd, dict) and "model" in sd and isinstance(sd["model"], dict):
            sd = sd["model"]  # a training checkpoint that wraps the state dict
        weights = {k: v.detach().float().numpy() for k, v in sd.items() if hasattr(v, "detach")}
    elif (ckpt / "model.safetensors").exists():
        weights = read_safetensors(ckpt / "model.safetensors")
    else:
        raise ConvertError(f"{ckpt}: neither pytorch_model.bin nor model.safetensors is there")
    clean = {}
    for k, v in weights.items():
        for prefix in ("_orig_mod.", "module."):
            if k.startswith(prefix):
                k = k[len(prefix):]
        clean[k] = v
    return clean


def read_config(ckpt: Path) -> dict:
    path = ckpt / "config.json"
    if not path.exists():
        raise ConvertError(f"{ckpt}: config.json is missing; a T6 checkpoint has one beside "
                           "its weights")
    try:
        cfg = json.loads(path.read_text())
    except ValueError as e:
        raise ConvertError(f"{path}: not valid JSON ({e})") from e
    for key in ("n_layer", "n_head", "n_embd", "head_dim", "rank", "vocab_size"):
        if not isinstance(cfg.get(key), int) or cfg[key] <= 0:
            raise ConvertError(f"{path}: '{key}' must be a positive integer, found "
                               f"{cfg.get(key)!r}")
    if cfg["head_dim"] % 2 != 0:
        raise ConvertError(f"{path}: head_dim {cfg['head_dim']} is odd; RoPE needs pairs")
    return cfg


# ---------------------------------------------------------------- tokenizer

def gpt2_byte_chars() -> list[str]:
    """GPT-2's byte -> printable character map, in the order of GPT-2's first 256 token ids."""
    keep = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) +
            list(range(ord("®"), ord("ÿ") + 1)))
    order, chars, extra = list(keep), [chr(b) for b in keep], 0
    for b in range(256):
        if b not in keep:
            order.append(b)
            chars.append(chr(256 + extra))
            extra += 1
    return chars


def tokenizer_entries(ckpt: Path, n_vocab: int) -> tuple[list[str], list[int], list[str], int]:
    """tokens, token types, merges and the <|endoftext|> id for a vocabulary of n_vocab."""
    vocab_json, merges_txt = ckpt / "vocab.json", ckpt / "merges.txt"
    if vocab_json.exists() and merges_txt.exists():
        encoder = json.loads(vocab_json.read_text(encoding="utf-8"))
        if max(encoder.values()) >= n_vocab:
            raise ConvertError(f"{vocab_json}: token id {max(encoder.values())} is outside the "
                               f"model's vocabulary of {n_vocab}")
        tokens = [f"<|unused_{i}|>" for i in range(n_vocab)]
        types = [TOKEN_UNUSED] * n_vocab
        for text, i in encoder.items():
            tokens[i], types[i] = text, TOKEN_NORMAL
        lines = merges_txt.read_text(encoding="utf-8").splitlines()
        merges = [m for m in lines if m and not m.startswith("#version")]
        eot = encoder.get("<|endoftext|>", -1)
    else:
        if n_vocab < 257:
            raise ConvertError(f"the vocabulary has {n_vocab} tokens, fewer than the 257 a "
                               "byte-level GPT-2 vocabulary needs; add vocab.json and merges.txt")
        tokens = gpt2_byte_chars() + [f"<|unused_{i}|>" for i in range(256, n_vocab)]
        types = [TOKEN_NORMAL] * 256 + [TOKEN_UNUSED] * (n_vocab - 256)
        merges = []
        eot = 50256 if n_vocab > 50256 else 256
        tokens[eot] = "<|endoftext|>"
    if eot >= 0:
        types[eot] = TOKEN_CONTROL
    return tokens, types, merges, eot


# ---------------------------------------------------------------- conversion

def swap_halves(w: np.ndarray, rows: int, dim: int) -> np.ndarray:
    """w [rows*dim, in]: within each block of dim rows, the second half first (docstring)."""
    v = w.reshape(rows, dim, -1)
    return np.concatenate([v[:, dim // 2:], v[:, :dim // 2]], axis=1).reshape(w.shape)


def convert(ckpt: Path, out: Path, ggml_type: int, name: str | None) -> str:
    cfg = read_config(ckpt)
    w = read_weights(ckpt)
    L, H, d, D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["head_dim"]
    rk = rv = cfg["rank"]
    if "transformer.h.0.attn.c_qkv.W_A_k.weight" not in w:
        raise ConvertError(f"{ckpt}: no transformer.h.0.attn.c_qkv.W_A_k.weight, so this is not "
                           "a T6 (Tensor Product Attention) checkpoint")
    full = "transformer.h.0.attn.c_qkv.W_A_q.weight" in w
    if full and not isinstance(cfg.get("q_rank"), int):
        raise ConvertError(f"{ckpt}/config.json: 'q_rank' is needed for a full TPA checkpoint")
    rq = cfg["q_rank"] if full else 0
    if f"transformer.h.{L}.attn.c_proj.weight" in w:
        raise ConvertError(f"{ckpt}: the weights hold more blocks than n_layer = {L}")
    vocab = cfg["vocab_size"]
    ff = w.get("transformer.h.0.mlp.c_fc1.weight", np.zeros((0, 0))).shape[0]

    def take(key: str, shape: tuple[int, int]) -> np.ndarray:
        if key not in w:
            raise ConvertError(f"{ckpt}: tensor {key} is missing")
        if tuple(w[key].shape) != shape:
            raise ConvertError(f"{ckpt}: tensor {key} has shape {list(w[key].shape)}, the "
                               f"config needs {list(shape)}")
        return w[key]

    g = GgufWriter()
    g.add("general.architecture", T_STR, "t6")
    g.add("general.name", T_STR, name or ckpt.resolve().name)
    g.add("general.file_type", T_U32, 0 if ggml_type == GGML_F32 else 1)
    for key, value in (("block_count", L), ("context_length", int(cfg.get("block_size", 0))),
                       ("embedding_length", d), ("feed_forward_length", ff),
                       ("attention.head_count", H), ("attention.head_count_kv", H),
                       ("attention.key_length", D), ("attention.value_length", D),
                       ("attention.rank_q", rq), ("attention.rank_k", rk),
                       ("attention.rank_v", rv), ("rope.dimension_count", D),
                       ("vocab_size", vocab)):
        g.add(f"t6.{key}", T_U32, value)
    g.add("t6.rope.freq_base", T_F32, float(cfg.get("rope_theta", 10000.0)))
    g.add("t6.attention.layer_norm_rms_epsilon", T_F32, float(cfg.get("rms_norm_eps", 1e-6)))

    tokens, types, merges, eot = tokenizer_entries(ckpt, vocab)
    g.add("tokenizer.ggml.model", T_STR, "gpt2")
    g.add("tokenizer.ggml.pre", T_STR, "gpt2")
    g.add("tokenizer.ggml.tokens", T_ARR, tokens, T_STR)
    g.add("tokenizer.ggml.token_type", T_ARR, types, T_I32)
    g.add("tokenizer.ggml.merges", T_ARR, merges, T_STR)
    if eot >= 0:
        g.add("tokenizer.ggml.bos_token_id", T_U32, eot)
        g.add("tokenizer.ggml.eos_token_id", T_U32, eot)
    g.add("tokenizer.ggml.add_bos_token", T_BOOL, False)

    ones = np.ones(d, dtype=np.float32)
    g.add_tensor("token_embd.weight", take("transformer.wte.weight", (vocab, d)), ggml_type)
    g.add_tensor("output_norm.weight", ones, GGML_F32)
    for i in range(L):
        p, b = f"transformer.h.{i}.", f"blk.{i}."
        qkv = p + "attn.c_qkv."
        g.add_tensor(b + "attn_norm.weight", ones, GGML_F32)
        if full:
            g.add_tensor(b + "attn_q_a.weight", take(qkv + "W_A_q.weight", (H * rq, d)), ggml_type)
            g.add_tensor(b + "attn_q_b.weight",
                         swap_halves(take(qkv + "W_B_q.weight", (rq * D, d)), rq, D), ggml_type)
        else:
            g.add_tensor(b + "attn_q.weight",
                         swap_halves(take(p + "attn.c_q.weight", (H * D, d)), H, D), ggml_type)
        g.add_tensor(b + "attn_k_a.weight", take(qkv + "W_A_k.weight", (H * rk, d)), ggml_type)
        g.add_tensor(b + "attn_k_b.weight",
                     swap_halves(take(qkv + "W_B_k.weight", (rk * D, d)), rk, D), ggml_type)
        g.add_tensor(b + "attn_v_a.weight", take(qkv + "W_A_v.weight", (H * rv, d)), ggml_type)
        g.add_tensor(b + "attn_v_b.weight", take(qkv + "W_B_v.weight", (rv * D, d)), ggml_type)
        g.add_tensor(b + "attn_output.weight", take(p + "attn.c_proj.weight", (d, H * D)),
                     ggml_type)
        g.add_tensor(b + "ffn_norm.weight", ones, GGML_F32)
        g.add_tensor(b + "ffn_gate.weight", take(p + "mlp.c_fc1.weight", (ff, d)), ggml_type)
        g.add_tensor(b + "ffn_up.weight", take(p + "mlp.c_fc2.weight", (ff, d)), ggml_type)
        g.add_tensor(b + "ffn_down.weight", take(p + "mlp.c_proj.weight", (d, ff)), ggml_type)
    g.write(out)
    variant = f"full TPA (ranks q {rq}, k {rk}, v {rv})" if full else f"KV-only (ranks k {rk}, v {rv})"
    return f"{out}: t6, {L} layers, {H} heads of {D}, {variant}, vocab {vocab}"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Convert a T6 checkpoint to GGUF (arch t6).")
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--type", choices=["f16", "f32"], default="f16",
                    help="element type of the 2-D weights (norms stay f32)")
    ap.add_argument("--name", default=None)
    a = ap.parse_args(argv)
    try:
        print(convert(a.checkpoint, a.out, GGML_F32 if a.type == "f32" else GGML_F16, a.name))
    except ConvertError as e:
        print(f"convert_t6: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"convert_t6: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
