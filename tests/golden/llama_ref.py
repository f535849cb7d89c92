"""Independent numpy reference of the Llama forward pass, as llama.cpp runs GGUF "llama" models.

This is the golden for Quire's C++ engine: it shares no code with it and is written to be read,
not to be fast (float64 throughout, explicit loops over heads). It takes already-dequantized
weights; reading GGUF files and GGML block formats is the job of gguf_ref.py and
ggml_quants_ref.py beside it.

Conventions, each with its source (llama.cpp: src/llama-model.cpp load_hparams / the "llama"
graph builder, ggml/src/ggml-cpu rope; convert_hf_to_gguf.py LlamaModel; gguf-py constants.py):

Metadata (LlamaConfig.from_metadata), keys prefixed by general.architecture, which must be "llama":
  llama.block_count, llama.embedding_length, llama.feed_forward_length, llama.attention.head_count
      required. feed_forward_length / head_count may be per-layer arrays in llama.cpp; this
      reference accepts an array only when all its entries are equal.
  llama.attention.head_count_kv         optional, default head_count.
  llama.attention.layer_norm_rms_epsilon required (llama.cpp refuses a llama model without it).
  llama.attention.key_length / value_length  optional, default embedding_length / head_count;
      they must be equal (llama.cpp sizes attn_output by key_length for "llama").
  llama.rope.dimension_count            optional, default key_length; llama.cpp rejects a
      "llama" model whose value differs from key_length, and so does this reference.
  llama.rope.freq_base                  optional, default 10000.
  llama.rope.scaling.type               optional, default "linear"; "none" and "linear" are
      supported (yarn and others raise). The angle is multiplied by
      freq_scale = 1 / llama.rope.scaling.factor (the older key llama.rope.scale_linear is read
      when the new one is absent; a missing or zero factor means freq_scale = 1).
  llama.vocab_size                      optional; otherwise len(tokenizer.ggml.tokens) (the
      count llama.cpp sizes token_embd by); when both are present they must agree.
  llama.expert_count                    must be absent or 0: Mixtral-style MoE "llama" models
      are outside this reference.

Weights: a dict from GGUF tensor name to a numpy array whose shape is GGUF's ne reversed, i.e.
  PyTorch's [out, in] for matrices (y = x @ W.T):
  token_embd.weight [n_vocab, n_embd]
  blk.{i}.attn_norm.weight [n_embd]       blk.{i}.ffn_norm.weight [n_embd]
  blk.{i}.attn_q.weight [n_head*dk, n_embd]   blk.{i}.attn_k.weight [n_head_kv*dk, n_embd]
  blk.{i}.attn_v.weight [n_head_kv*dv, n_embd]  blk.{i}.attn_output.weight [n_embd, n_head*dv]
  blk.{i}.ffn_gate.weight, ffn_up.weight [n_ff, n_embd]   blk.{i}.ffn_down.weight [n_embd, n_ff]
  optional biases blk.{i}.attn_{q,k,v,output}.bias and blk.{i}.ffn_{gate,up,down}.bias
      (llama.cpp loads them as optional for "llama"; Q/K biases are permuted like Q/K rows)
  output_norm.weight [n_embd]
  output.weight [n_vocab, n_embd], absent when the output head is tied to token_embd.weight
  rope_freqs.weight [n_rot/2], optional: per-frequency divisors (Llama 3.1 "llama3" scaling,
      written by convert_hf_to_gguf.py LlamaModel.generate_extra_tensors).
  Any float dtype is accepted and converted to float64.

Forward (token t at position t, t = 0 .. n_tokens-1):
  x = token_embd[tokens]
  per layer:  h = rms_norm(x, attn_norm);  q, k, v = h @ Wq.T, h @ Wk.T, h @ Wv.T
              rope(q), rope(k); causal grouped-query attention; x += attn @ Wo.T
              h = rms_norm(x, ffn_norm);  x += (silu(h @ Wgate.T) * (h @ Wup.T)) @ Wdown.T
              (every matrix product adds its bias when the optional .bias tensor is present)
  logits = rms_norm(x, output_norm) @ (output or token_embd).T
  rms_norm(x, w) = x / sqrt(mean(x^2) + eps) * w, over the embedding dimension.
  RoPE, ggml NORMAL mode (the mode llama.cpp uses for arch "llama"): within each head, the pairs
      (x[2i], x[2i+1]) for 0 <= i < n_rot/2 turn by
      theta_i = pos * freq_scale * base^(-2i/n_rot) / rope_freqs[i]
      as (a, b) -> (a cos - b sin, a sin + b cos). The converter permuted the rows of Q and K
      (LlamaModel.permute) so that this equals Hugging Face's half-split rotate_half rotation on
      the original weights; check_llama_ref.py verifies exactly that.
  Attention: query head h reads kv head h // (n_head / n_head_kv); scores are q.k / sqrt(dk);
      key positions after the query's are masked out before a softmax over keys.
  silu(z) = z / (1 + exp(-z)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

ARCH = "llama"


@dataclass(frozen=True)
class LlamaConfig:
    n_layer: int
    n_embd: int
    n_ff: int
    n_head: int
    n_head_kv: int
    head_dim_k: int      # dk: per-head width of Q and K (GGUF attention.key_length)
    head_dim_v: int      # dv: per-head width of V (GGUF attention.value_length)
    n_rot: int           # leading dims of each Q/K head that RoPE turns; == head_dim_k for llama
    n_vocab: int
    rms_eps: float
    rope_base: float
    rope_freq_scale: float  # multiplies every angle: 1 / linear scaling factor

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_embd", "n_ff", "n_head", "n_head_kv", "head_dim_k",
                     "head_dim_v", "n_rot", "n_vocab"):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"LlamaConfig.{name} must be positive, got {getattr(self, name)}")
        if self.n_head % self.n_head_kv != 0:
            raise ValueError(f"head_count {self.n_head} is not a multiple of head_count_kv "
                             f"{self.n_head_kv}; grouped-query attention needs whole groups")
        if self.n_rot % 2 != 0 or self.n_rot > self.head_dim_k:
            raise ValueError(f"rope dimension_count {self.n_rot} must be even and at most the "
                             f"key length {self.head_dim_k}")
        if not (self.rms_eps > 0 and self.rope_base > 0 and self.rope_freq_scale > 0):
            raise ValueError("rms epsilon, rope freq_base and rope freq_scale must be positive, "
                             f"got {self.rms_eps}, {self.rope_base}, {self.rope_freq_scale}")

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> "LlamaConfig":
        """Builds the config from GGUF key/value metadata (see the module docstring for keys).

        Raises ValueError naming the key when a required key is missing or a value is unusable.
        """
        arch = _as_str(meta.get("general.architecture"), "general.architecture")
        if arch != ARCH:
            raise ValueError(f"general.architecture is {arch!r}; this reference runs only "
                             f"{ARCH!r} models")

        def key(suffix: str) -> str:
            return f"{ARCH}.{suffix}"

        def required_int(suffix: str) -> int:
            if key(suffix) not in meta:
                raise ValueError(f"GGUF metadata lacks required key {key(suffix)}")
            return _as_uniform_int(meta[key(suffix)], key(suffix))

        def optional_int(suffix: str, default: int) -> int:
            if key(suffix) not in meta:
                return default
            return _as_uniform_int(meta[key(suffix)], key(suffix))

        def optional_float(suffix: str, default: float) -> float:
            if key(suffix) not in meta:
                return default
            return _as_float(meta[key(suffix)], key(suffix))

        n_layer = required_int("block_count")
        n_embd = required_int("embedding_length")
        n_ff = required_int("feed_forward_length")
        n_head = required_int("attention.head_count")
        n_head_kv = optional_int("attention.head_count_kv", n_head)
        if n_head <= 0:
            raise ValueError(f"{key('attention.head_count')} must be positive, got {n_head}")
        head_dim_k = optional_int("attention.key_length", n_embd // n_head)
        head_dim_v = optional_int("attention.value_length", n_embd // n_head)
        if head_dim_v != head_dim_k:
            raise ValueError(f"{key('attention.value_length')} {head_dim_v} differs from "
                             f"{key('attention.key_length')} {head_dim_k}; llama.cpp's 'llama' "
                             "loader assumes they are equal")
        n_rot = optional_int("rope.dimension_count", head_dim_k)
        if n_rot != head_dim_k:
            raise ValueError(f"{key('rope.dimension_count')} is {n_rot} but the key length is "
                             f"{head_dim_k}; llama.cpp rejects such a 'llama' model")
        if key("attention.layer_norm_rms_epsilon") not in meta:
            raise ValueError("GGUF metadata lacks required key "
                             f"{key('attention.layer_norm_rms_epsilon')}")
        rms_eps = _as_float(meta[key("attention.layer_norm_rms_epsilon")],
                            key("attention.layer_norm_rms_epsilon"))
        rope_base = optional_float("rope.freq_base", 10000.0)

        scaling = "linear"
        if key("rope.scaling.type") in meta:
            scaling = _as_str(meta[key("rope.scaling.type")], key("rope.scaling.type"))
        if scaling not in ("none", "linear"):
            raise ValueError(f"{key('rope.scaling.type')} is {scaling!r}; this reference "
                             "supports only 'none' and 'linear'")
        if key("rope.scaling.factor") in meta:
            factor = _as_float(meta[key("rope.scaling.factor")], key("rope.scaling.factor"))
        else:
            factor = optional_float("rope.scale_linear", 0.0)
        if factor < 0:
            raise ValueError(f"rope scaling factor must not be negative, got {factor}")
        freq_scale = 1.0 if factor == 0.0 else 1.0 / factor

        n_tokens_listed = (len(meta["tokenizer.ggml.tokens"])
                           if "tokenizer.ggml.tokens" in meta else None)
        if key("vocab_size") in meta:
            n_vocab = _as_uniform_int(meta[key("vocab_size")], key("vocab_size"))
            if n_tokens_listed is not None and n_tokens_listed != n_vocab:
                raise ValueError(f"{key('vocab_size')} is {n_vocab} but tokenizer.ggml.tokens "
                                 f"lists {n_tokens_listed} tokens; the file is inconsistent")
        elif n_tokens_listed is not None:
            n_vocab = n_tokens_listed
        else:
            raise ValueError(f"GGUF metadata has neither {key('vocab_size')} nor "
                             "tokenizer.ggml.tokens; the vocabulary size is unknown")
        if optional_int("expert_count", 0) != 0:
            raise ValueError(f"{key('expert_count')} is {meta[key('expert_count')]}; mixture-of-"
                             "experts 'llama' models are not supported by this reference")

        return cls(n_layer=n_layer, n_embd=n_embd, n_ff=n_ff, n_head=n_head,
                   n_head_kv=n_head_kv, head_dim_k=head_dim_k, head_dim_v=head_dim_v,
                   n_rot=n_rot, n_vocab=n_vocab, rms_eps=rms_eps, rope_base=rope_base,
                   rope_freq_scale=freq_scale)


def forward(config: LlamaConfig, weights: Mapping[str, np.ndarray],
            tokens: list[int]) -> np.ndarray:
    """Logits float32 [n_tokens, n_vocab]: row t predicts the token after tokens[t].

    Computed in float64 (forward_f64) and rounded once at the end. Token t sits at position t
    and attends to positions 0..t only. Raises ValueError for an empty or out-of-range token
    list and for a missing or misshapen weight (the message names the tensor and both shapes).
    """
    return forward_f64(config, weights, tokens).astype(np.float32)


def forward_f64(config: LlamaConfig, weights: Mapping[str, np.ndarray],
                tokens: list[int]) -> np.ndarray:
    """forward() before the final rounding: float64 [n_tokens, n_vocab]."""
    c = config
    tokens = [int(t) for t in tokens]
    if not tokens:
        raise ValueError("forward needs at least one token")
    bad = [t for t in tokens if not 0 <= t < c.n_vocab]
    if bad:
        raise ValueError(f"token ids {bad[:5]} are outside the vocabulary [0, {c.n_vocab})")
    w = _Weights(weights)
    n_tokens = len(tokens)
    positions = np.arange(n_tokens, dtype=np.float64)
    freq_factors = w.get_optional("rope_freqs.weight", (c.n_rot // 2,))

    x = w.get("token_embd.weight", (c.n_vocab, c.n_embd))[tokens]
    for i in range(c.n_layer):
        p = f"blk.{i}."
        h = rms_norm(x, w.get(p + "attn_norm.weight", (c.n_embd,)), c.rms_eps)
        q = _linear(h, w, p + "attn_q", c.n_head * c.head_dim_k, c.n_embd)
        k = _linear(h, w, p + "attn_k", c.n_head_kv * c.head_dim_k, c.n_embd)
        v = _linear(h, w, p + "attn_v", c.n_head_kv * c.head_dim_v, c.n_embd)
        q = rope_normal(q.reshape(n_tokens, c.n_head, c.head_dim_k), positions, c, freq_factors)
        k = rope_normal(k.reshape(n_tokens, c.n_head_kv, c.head_dim_k), positions, c,
                        freq_factors)
        v = v.reshape(n_tokens, c.n_head_kv, c.head_dim_v)
        attn = causal_gqa_attention(q, k, v)
        x = x + _linear(attn.reshape(n_tokens, c.n_head * c.head_dim_v), w, p + "attn_output",
                        c.n_embd, c.n_head * c.head_dim_v)

        h = rms_norm(x, w.get(p + "ffn_norm.weight", (c.n_embd,)), c.rms_eps)
        gate = _linear(h, w, p + "ffn_gate", c.n_ff, c.n_embd)
        up = _linear(h, w, p + "ffn_up", c.n_ff, c.n_embd)
        x = x + _linear(silu(gate) * up, w, p + "ffn_down", c.n_embd, c.n_ff)

    x = rms_norm(x, w.get("output_norm.weight", (c.n_embd,)), c.rms_eps)
    head_name = "output.weight" if "output.weight" in weights else "token_embd.weight"
    return x @ w.get(head_name, (c.n_vocab, c.n_embd)).T


def greedy(config: LlamaConfig, weights: Mapping[str, np.ndarray], prompt_tokens: list[int],
           n_new: int) -> list[int]:
    """The n_new tokens that greedy decoding appends to prompt_tokens (prompt not included).

    Each step recomputes the whole sequence and takes the argmax of the last float64 row, lowest
    id on ties (numpy argmax). No end-of-sequence handling: exactly n_new tokens come back.
    """
    if n_new < 0:
        raise ValueError(f"n_new must not be negative, got {n_new}")
    seq = [int(t) for t in prompt_tokens]
    out: list[int] = []
    for _ in range(n_new):
        nxt = int(np.argmax(forward_f64(config, weights, seq)[-1]))
        out.append(nxt)
        seq.append(nxt)
    return out


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    """x [n, d] / sqrt(mean(x^2 over d) + eps) * w [d]."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(z: np.ndarray) -> np.ndarray:
    return z / (1.0 + np.exp(-z))


def rope_normal(x: np.ndarray, positions: np.ndarray, config: LlamaConfig,
                freq_factors: np.ndarray | None) -> np.ndarray:
    """ggml NORMAL-mode RoPE of x [n_tokens, n_heads, head_dim] at positions [n_tokens].

    Pair (2i, 2i+1), i < n_rot/2, turns by pos * freq_scale * base^(-2i/n_rot) / ff[i]; the
    remaining dims pass through. Returns a new array. Angles are exact float64 here; ggml builds
    them in float32 by repeated multiplication, one reason the engine needs a logit tolerance.
    """
    c = config
    out = x.copy()
    for i in range(c.n_rot // 2):
        ff = 1.0 if freq_factors is None else float(freq_factors[i])
        inv_freq = c.rope_freq_scale * c.rope_base ** (-2.0 * i / c.n_rot) / ff
        angle = positions * inv_freq                      # [n_tokens]
        cos = np.cos(angle)[:, None]
        sin = np.sin(angle)[:, None]
        a = x[:, :, 2 * i]
        b = x[:, :, 2 * i + 1]
        out[:, :, 2 * i] = a * cos - b * sin
        out[:, :, 2 * i + 1] = a * sin + b * cos
    return out


def causal_gqa_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """q [n, n_head, dk], k [n, n_head_kv, dk], v [n, n_head_kv, dv] -> [n, n_head, dv].

    Query head h uses kv head h // (n_head / n_head_kv); key j is visible to query t iff j <= t.
    """
    n_tokens, n_head, dk = q.shape
    n_head_kv = k.shape[1]
    group = n_head // n_head_kv
    scale = 1.0 / math.sqrt(dk)
    visible = np.tril(np.ones((n_tokens, n_tokens), dtype=bool))
    out = np.empty((n_tokens, n_head, v.shape[2]), dtype=np.float64)
    for h in range(n_head):
        g = h // group
        scores = (q[:, h, :] @ k[:, g, :].T) * scale      # [query, key]
        scores = np.where(visible, scores, -np.inf)
        scores = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(axis=1, keepdims=True)
        out[:, h, :] = probs @ v[:, g, :]
    return out


class _Weights:
    """Shape-checked float64 views of the caller's weight dict."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        self._weights = weights

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in self._weights:
            raise ValueError(f"weight {name} is missing (expected numpy shape {shape})")
        return self._checked(name, shape)

    def get_optional(self, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
        return self._checked(name, shape) if name in self._weights else None

    def _checked(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        arr = np.asarray(self._weights[name])
        if tuple(arr.shape) != shape:
            raise ValueError(f"weight {name} has numpy shape {tuple(arr.shape)}, expected "
                             f"{shape} (numpy shape is GGUF ne reversed)")
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"weight {name} has dtype {arr.dtype}; dequantize it to floats first")
        return arr.astype(np.float64)


def _linear(x: np.ndarray, w: _Weights, prefix: str, n_out: int, n_in: int) -> np.ndarray:
    y = x @ w.get(prefix + ".weight", (n_out, n_in)).T
    bias = w.get_optional(prefix + ".bias", (n_out,))
    return y if bias is None else y + bias


def _as_str(value: Any, key: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise ValueError(f"GGUF key {key} should be a string, got {value!r}")
    return value


def _as_float(value: Any, key: str) -> float:
    is_number = np.ndim(value) == 0 and isinstance(np.asarray(value).item(), (int, float))
    if isinstance(value, (bool, np.bool_)) or not is_number:
        raise ValueError(f"GGUF key {key} should be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"GGUF key {key} is not finite: {result}")
    return result


def _as_uniform_int(value: Any, key: str) -> int:
    """An integer, or an array of integers that are all equal (llama.cpp's per-layer arrays)."""
    values = list(np.asarray(value).reshape(-1)) if not np.isscalar(value) else [value]
    if not values:
        raise ValueError(f"GGUF key {key} is an empty array")
    ints = set()
    for item in values:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)):
            raise ValueError(f"GGUF key {key} should be an integer, got {item!r}")
        ints.add(int(item))
    if len(ints) != 1:
        raise ValueError(f"GGUF key {key} varies per layer ({sorted(ints)}); this reference "
                         "supports only uniform layers")
    return ints.pop()
