#!/usr/bin/python3
"""Self-checks that make llama_ref.py trustworthy on its own, before it judges the C++ engine.

The witness is a second implementation written here in PyTorch in the Hugging Face layout
(modeling_llama.py semantics: half-split rotate_half RoPE on unpermuted Q/K, repeat_kv for GQA,
HF's own llama3 and linear RoPE scaling). Tiny random models are built in HF layout, converted
the way convert_hf_to_gguf.py converts them (LlamaModel.permute on Q and K, GGUF tensor names,
GGUF metadata, rope_freqs for llama3), and both sides must agree in float64 to LOGIT_TOL.

Checks: (1) HF vs GGUF logits and greedy continuations over MHA, GQA, MQA, tied output, explicit
head_dim (key_length), llama3 rope_freqs, linear scaling, other base/eps; each feature is also
shown to matter (turning it off moves the logits), so agreement is not vacuous; (2) causality;
(3) metadata parsing and input validation; (4) llama3_rope.py against HF's llama3 formula.
Prints one summary line; exits 1 on any failure.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import llama_ref  # noqa: E402
from llama3_rope import llama3_rope_freq_factors  # noqa: E402

LOGIT_TOL = 1e-9      # float64 on both sides: only summation order differs
MATTERS_TOL = 1e-3    # a feature "matters" when dropping it moves some logit by more than this

torch.set_default_dtype(torch.float64)


@dataclass(frozen=True)
class Case:
    name: str
    n_vocab: int = 64
    hidden: int = 32
    intermediate: int = 48
    n_layer: int = 2
    n_head: int = 4
    n_head_kv: int = 4
    head_dim: int | None = None        # None: hidden // n_head (no GGUF key_length written)
    eps: float = 1e-5
    theta: float = 10000.0
    tie: bool = False
    bias: bool = False                 # HF attention_bias and mlp_bias
    rope_scaling: dict = field(default_factory=dict)  # HF config rope_scaling, {} for none
    n_tokens: int = 12
    seed: int = 0

    @property
    def dim(self) -> int:
        return self.head_dim if self.head_dim is not None else self.hidden // self.n_head


CASES = [
    Case("mha"),
    Case("gqa", n_head_kv=2, seed=1),
    Case("mqa_tied", n_head_kv=1, tie=True, seed=2),
    Case("tied", tie=True, seed=3),
    Case("head_dim", hidden=24, n_head=4, n_head_kv=2, head_dim=8, seed=4),
    Case("llama3_rope_freqs", n_head=2, n_head_kv=1, theta=10000.0, n_tokens=16, seed=5,
         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
    Case("linear_scaling", n_head_kv=2, seed=6, rope_scaling={"type": "linear", "factor": 2.5}),
    Case("base_eps", n_layer=3, theta=500000.0, eps=1e-6, seed=7),
    Case("biases", n_head_kv=2, bias=True, seed=8),
]


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def expect(self, ok: bool, what: str) -> None:
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print(f"FAIL: {what}", file=sys.stderr)

    def expect_value_error(self, fn, what: str) -> None:
        try:
            fn()
        except ValueError:
            self.passed += 1
            return
        self.failures.append(f"{what}: no ValueError")
        print(f"FAIL: {what}: no ValueError", file=sys.stderr)


# ---------------------------------------------------------------- the HF-layout model (torch)

def make_hf_weights(case: Case) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(case.seed)
    H, I, D = case.hidden, case.intermediate, case.dim

    def mat(n_out: int, n_in: int) -> np.ndarray:
        return rng.standard_normal((n_out, n_in)) / math.sqrt(n_in)

    def norm(n: int) -> np.ndarray:
        return 1.0 + 0.2 * rng.standard_normal(n)

    w = {"model.embed_tokens.weight": rng.standard_normal((case.n_vocab, H))}
    for i in range(case.n_layer):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm(H)
        w[p + "self_attn.q_proj.weight"] = mat(case.n_head * D, H)
        w[p + "self_attn.k_proj.weight"] = mat(case.n_head_kv * D, H)
        w[p + "self_attn.v_proj.weight"] = mat(case.n_head_kv * D, H)
        w[p + "self_attn.o_proj.weight"] = mat(H, case.n_head * D)
        w[p + "post_attention_layernorm.weight"] = norm(H)
        w[p + "mlp.gate_proj.weight"] = mat(I, H)
        w[p + "mlp.up_proj.weight"] = mat(I, H)
        w[p + "mlp.down_proj.weight"] = mat(H, I)
        if case.bias:
            for name, n in (("self_attn.q_proj", case.n_head * D),
                            ("self_attn.k_proj", case.n_head_kv * D),
                            ("self_attn.v_proj", case.n_head_kv * D), ("self_attn.o_proj", H),
                            ("mlp.gate_proj", I), ("mlp.up_proj", I), ("mlp.down_proj", H)):
                w[p + name + ".bias"] = 0.5 * rng.standard_normal(n)
    w["model.norm.weight"] = norm(H)
    if not case.tie:
        w["lm_head.weight"] = mat(case.n_vocab, H) * 4.0
    return w


def hf_inv_freq(case: Case) -> torch.Tensor:
    """HF's inverse frequencies [dim/2], including its llama3 rescaling."""
    d = case.dim
    inv = 1.0 / (case.theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    if case.rope_scaling.get("rope_type") == "llama3":
        rs = case.rope_scaling
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old_ctx = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old_ctx / lo, inv / factor, inv)
        smooth = (old_ctx / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old_ctx / hi) & ~(wavelen > old_ctx / lo)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def hf_linear(W: dict[str, torch.Tensor], name: str, x: torch.Tensor) -> torch.Tensor:
    """torch.nn.Linear semantics: x @ weight.T + bias (bias when the model has one)."""
    y = x @ W[name + ".weight"].T
    return y + W[name + ".bias"] if name + ".bias" in W else y


def hf_rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def hf_forward(case: Case, weights: dict[str, np.ndarray], tokens: list[int]) -> np.ndarray:
    """HF LlamaForCausalLM logits [n_tokens, n_vocab], float64, batch of one."""
    W = {k: torch.from_numpy(v) for k, v in weights.items()}
    T, D, nh, nkv = len(tokens), case.dim, case.n_head, case.n_head_kv
    pos = torch.arange(T, dtype=torch.float64)
    if case.rope_scaling.get("type") == "linear":
        pos = pos / case.rope_scaling["factor"]
    freqs = torch.outer(pos, hf_inv_freq(case))
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()                                  # [T, D]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)

    x = W["model.embed_tokens.weight"][torch.tensor(tokens)]
    for i in range(case.n_layer):
        p = f"model.layers.{i}."
        h = hf_rms_norm(x, W[p + "input_layernorm.weight"], case.eps)
        q = hf_linear(W, p + "self_attn.q_proj", h).view(T, nh, D).transpose(0, 1)
        k = hf_linear(W, p + "self_attn.k_proj", h).view(T, nkv, D).transpose(0, 1)
        v = hf_linear(W, p + "self_attn.v_proj", h).view(T, nkv, D).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=0)                    # HF repeat_kv order
        v = v.repeat_interleave(nh // nkv, dim=0)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        probs = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        attn = (probs @ v).transpose(0, 1).reshape(T, nh * D)
        x = x + hf_linear(W, p + "self_attn.o_proj", attn)
        h = hf_rms_norm(x, W[p + "post_attention_layernorm.weight"], case.eps)
        ff = torch.nn.functional.silu(hf_linear(W, p + "mlp.gate_proj", h)) * hf_linear(
            W, p + "mlp.up_proj", h)
        x = x + hf_linear(W, p + "mlp.down_proj", ff)
    x = hf_rms_norm(x, W["model.norm.weight"], case.eps)
    head = W["lm_head.weight"] if "lm_head.weight" in W else W["model.embed_tokens.weight"]
    return (x @ head.T).numpy()


def hf_greedy(case: Case, weights: dict[str, np.ndarray], prompt: list[int], n_new: int):
    seq = list(prompt)
    for _ in range(n_new):
        seq.append(int(np.argmax(hf_forward(case, weights, seq)[-1])))
    return seq[len(prompt):]


# ---------------------------------------------------------------- conversion (as the converter)

def converter_permute(w: np.ndarray, n_head: int, n_head_kv: int) -> np.ndarray:
    """convert_hf_to_gguf.py LlamaModel.permute: per head, interleave the two rotate_half
    halves so that ggml's adjacent-pair (NORMAL) RoPE computes HF's rotation."""
    if n_head_kv != n_head:
        n_head = n_head_kv
    rows = w.shape[0]
    return w.reshape(n_head, 2, rows // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def to_gguf(case: Case, hf: dict[str, np.ndarray], permute: bool = True):
    """(metadata, weights) as convert_hf_to_gguf.py would write them, dequantized."""
    nh, nkv = case.n_head, case.n_head_kv
    g = {"token_embd.weight": hf["model.embed_tokens.weight"],
         "output_norm.weight": hf["model.norm.weight"]}
    if "lm_head.weight" in hf:
        g["output.weight"] = hf["lm_head.weight"]
    names = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q",
             "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for i in range(case.n_layer):
        for hf_name, gguf_name in names.items():
            for suffix in ("weight", "bias"):
                if f"model.layers.{i}.{hf_name}.{suffix}" not in hf:
                    continue
                t = hf[f"model.layers.{i}.{hf_name}.{suffix}"]
                if permute and gguf_name == "attn_q":
                    t = converter_permute(t, nh, nh)
                if permute and gguf_name == "attn_k":
                    t = converter_permute(t, nh, nkv)
                g[f"blk.{i}.{gguf_name}.{suffix}"] = t
    meta = {"general.architecture": "llama", "llama.block_count": case.n_layer,
            "llama.context_length": 2048, "llama.embedding_length": case.hidden,
            "llama.feed_forward_length": case.intermediate,
            "llama.attention.head_count": nh, "llama.attention.head_count_kv": nkv,
            "llama.rope.freq_base": case.theta,
            "llama.attention.layer_norm_rms_epsilon": case.eps,
            "llama.vocab_size": case.n_vocab, "llama.rope.dimension_count": case.dim,
            "tokenizer.ggml.tokens": [f"<t{i}>" for i in range(case.n_vocab)]}
    if case.head_dim is not None:
        meta["llama.attention.key_length"] = case.head_dim
        meta["llama.attention.value_length"] = case.head_dim
    rs = case.rope_scaling
    if rs.get("type") == "linear":
        meta["llama.rope.scaling.type"] = "linear"
        meta["llama.rope.scaling.factor"] = rs["factor"]
    if rs.get("rope_type") == "llama3":
        g["rope_freqs.weight"] = llama3_rope_freq_factors(
            case.theta, case.dim, rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"],
            rs["original_max_position_embeddings"])
    return meta, g


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


# ---------------------------------------------------------------- checks

def check_case(case: Case, c: Checks) -> None:
    hf = make_hf_weights(case)
    meta, gw = to_gguf(case, hf)
    cfg = llama_ref.LlamaConfig.from_metadata(meta)
    tokens = [int(t) for t in np.random.default_rng(100 + case.seed).integers(
        0, case.n_vocab, case.n_tokens)]

    want = hf_forward(case, hf, tokens)
    got = llama_ref.forward_f64(cfg, gw, tokens)
    scale = max(1.0, float(np.max(np.abs(want))))
    d = max_diff(got, want)
    c.expect(got.shape == (case.n_tokens, case.n_vocab) and d <= LOGIT_TOL * scale,
             f"{case.name}: logits differ from HF torch by {d:.3g}")
    c.expect(float(np.std(want)) > 0.5, f"{case.name}: logits are degenerate (std too small)")
    got32 = llama_ref.forward(cfg, gw, tokens)
    c.expect(got32.dtype == np.float32 and max_diff(got32, got) <= 1e-6 * scale,
             f"{case.name}: forward() is not forward_f64() rounded to float32")

    prompt = tokens[:4]
    ref_cont = llama_ref.greedy(cfg, gw, prompt, 6)
    hf_cont = hf_greedy(case, hf, prompt, 6)
    c.expect(ref_cont == hf_cont, f"{case.name}: greedy {ref_cont} != HF greedy {hf_cont}")

    # Without the converter's permutation, NORMAL-mode RoPE must no longer match HF.
    _, unpermuted = to_gguf(case, hf, permute=False)
    c.expect(max_diff(llama_ref.forward_f64(cfg, unpermuted, tokens), want) > MATTERS_TOL,
             f"{case.name}: Q/K permutation made no difference (RoPE not exercised)")

    if "rope_freqs.weight" in gw:
        plain = {k: v for k, v in gw.items() if k != "rope_freqs.weight"}
        c.expect(max_diff(llama_ref.forward_f64(cfg, plain, tokens), want) > MATTERS_TOL,
                 f"{case.name}: rope_freqs made no difference")
    if cfg.rope_freq_scale != 1.0:
        c.expect(max_diff(llama_ref.forward_f64(replace(cfg, rope_freq_scale=1.0), gw, tokens),
                          want) > MATTERS_TOL, f"{case.name}: linear scaling made no difference")
    if case.tie:
        c.expect("output.weight" not in gw, f"{case.name}: tied case carries output.weight")
    if case.bias:
        plain = {k: v for k, v in gw.items() if not k.endswith(".bias")}
        c.expect(len(plain) < len(gw) and
                 max_diff(llama_ref.forward_f64(cfg, plain, tokens), want) > MATTERS_TOL,
                 f"{case.name}: biases made no difference")


def check_causality(c: Checks) -> None:
    case = CASES[1]
    meta, gw = to_gguf(case, make_hf_weights(case))
    cfg = llama_ref.LlamaConfig.from_metadata(meta)
    tokens = [int(t) for t in np.random.default_rng(42).integers(0, case.n_vocab, 10)]
    m = 6
    changed = list(tokens)
    changed[m] = (tokens[m] + 1) % case.n_vocab
    a = llama_ref.forward_f64(cfg, gw, tokens)
    b = llama_ref.forward_f64(cfg, gw, changed)
    c.expect(max_diff(a[:m], b[:m]) <= 1e-12, "causality: a later token changed earlier logits")
    c.expect(all(max_diff(a[t], b[t]) > 1e-6 for t in range(m, len(tokens))),
             "causality: changing a token did not change its own or later logits")
    # A prefix run gives the same rows as the full run.
    c.expect(max_diff(llama_ref.forward_f64(cfg, gw, tokens[:m]), a[:m]) <= 1e-12,
             "causality: prefix run differs from the full run's first rows")


def check_metadata(c: Checks) -> None:
    case = CASES[4]
    meta, gw = to_gguf(case, make_hf_weights(case))
    cfg = llama_ref.LlamaConfig.from_metadata(meta)
    c.expect((cfg.n_layer, cfg.n_embd, cfg.n_ff, cfg.n_head, cfg.n_head_kv, cfg.head_dim_k,
              cfg.head_dim_v, cfg.n_rot, cfg.n_vocab) == (2, 24, 48, 4, 2, 8, 8, 8, 64)
             and cfg.rms_eps == case.eps and cfg.rope_base == case.theta
             and cfg.rope_freq_scale == 1.0, f"metadata: parsed {cfg}")

    def without(*keys: str) -> dict:
        return {k: v for k, v in meta.items() if k not in keys}

    minimal = without("llama.vocab_size", "llama.attention.head_count_kv",
                      "llama.rope.freq_base", "llama.rope.dimension_count",
                      "llama.attention.key_length", "llama.attention.value_length")
    minimal["llama.attention.head_count"] = 3
    m = llama_ref.LlamaConfig.from_metadata(minimal)
    c.expect((m.n_vocab, m.n_head_kv, m.head_dim_k, m.head_dim_v, m.n_rot, m.rope_base)
             == (64, 3, 8, 8, 8, 10000.0), f"metadata defaults: parsed {m}")

    old_key = dict(meta, **{"llama.rope.scale_linear": 4.0})
    c.expect(llama_ref.LlamaConfig.from_metadata(old_key).rope_freq_scale == 0.25,
             "metadata: llama.rope.scale_linear not read as 1/factor")
    both = dict(old_key, **{"llama.rope.scaling.factor": 2.0})
    c.expect(llama_ref.LlamaConfig.from_metadata(both).rope_freq_scale == 0.5,
             "metadata: llama.rope.scaling.factor does not take precedence")
    per_layer = dict(meta, **{"llama.feed_forward_length": [48, 48]})
    c.expect(llama_ref.LlamaConfig.from_metadata(per_layer).n_ff == 48,
             "metadata: uniform per-layer feed_forward_length not accepted")

    bad = {
        "architecture gpt2": dict(meta, **{"general.architecture": "gpt2"}),
        "missing block_count": without("llama.block_count"),
        "missing rms epsilon": without("llama.attention.layer_norm_rms_epsilon"),
        "n_rot != key_length": dict(meta, **{"llama.rope.dimension_count": 4}),
        "yarn scaling": dict(meta, **{"llama.rope.scaling.type": "yarn"}),
        "head_count_kv does not divide": dict(meta, **{"llama.attention.head_count_kv": 3}),
        "varying per-layer ffn": dict(meta, **{"llama.feed_forward_length": [48, 64]}),
        "string block_count": dict(meta, **{"llama.block_count": "2"}),
        "string epsilon": dict(meta, **{"llama.attention.layer_norm_rms_epsilon": "1e-5"}),
        "no vocabulary": without("llama.vocab_size", "tokenizer.ggml.tokens"),
        "vocab_size != token count": dict(meta, **{"llama.vocab_size": 65}),
        "value_length != key_length": dict(meta, **{"llama.attention.value_length": 4}),
        "mixture of experts": dict(meta, **{"llama.expert_count": 8}),
    }
    for what, md in bad.items():
        c.expect_value_error(lambda md=md: llama_ref.LlamaConfig.from_metadata(md),
                             f"metadata: {what}")

    c.expect_value_error(lambda: llama_ref.forward(cfg, gw, [0, case.n_vocab]),
                         "forward: token id out of range")
    c.expect_value_error(lambda: llama_ref.forward(cfg, gw, []), "forward: empty tokens")
    missing = {k: v for k, v in gw.items() if k != "blk.1.ffn_up.weight"}
    c.expect_value_error(lambda: llama_ref.forward(cfg, missing, [1, 2]),
                         "forward: missing tensor")
    transposed = dict(gw, **{"blk.0.attn_q.weight": gw["blk.0.attn_q.weight"].T})
    c.expect_value_error(lambda: llama_ref.forward(cfg, transposed, [1, 2]),
                         "forward: transposed tensor")
    quantized = dict(gw, **{"blk.0.ffn_up.weight": gw["blk.0.ffn_up.weight"].astype(np.int8)})
    c.expect_value_error(lambda: llama_ref.forward(cfg, quantized, [1, 2]),
                         "forward: integer (not dequantized) tensor")

    # Dequantized weights arrive as float16/float32; they are widened, not rejected.
    tokens = [3, 1, 4, 1, 5]
    want = llama_ref.forward_f64(cfg, gw, tokens)
    for dtype, tol in ((np.float32, 1e-4), (np.float16, 5e-2)):
        narrow = {k: v.astype(dtype) for k, v in gw.items()}
        d = max_diff(llama_ref.forward_f64(cfg, narrow, tokens), want)
        c.expect(d <= tol * max(1.0, float(np.max(np.abs(want)))),
                 f"forward: {np.dtype(dtype).name} weights moved logits by {d:.3g}")


def check_llama3_factors(c: Checks) -> None:
    """llama3_rope.py (converter formulation) against HF's llama3 rescaling (hf_inv_freq)."""
    for theta, dim, orig in ((500000.0, 128, 8192), (10000.0, 16, 64), (10000.0, 64, 256)):
        rs = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
              "high_freq_factor": 4.0, "original_max_position_embeddings": orig}
        case = Case("llama3", hidden=dim, n_head=1, n_head_kv=1, theta=theta, rope_scaling=rs)
        hf_scaled = hf_inv_freq(case).numpy()
        base = hf_inv_freq(replace(case, rope_scaling={})).numpy()
        ff = llama3_rope_freq_factors(theta, dim, 8.0, 1.0, 4.0, orig)
        c.expect(np.allclose(base / ff, hf_scaled, rtol=1e-12, atol=0),
                 f"llama3 factors (theta {theta}, dim {dim}) differ from HF's rescaling")
        c.expect(ff[0] == 1.0 and ff[-1] == 8.0 and bool(np.any((ff > 1.0) & (ff < 8.0))),
                 f"llama3 factors (theta {theta}, dim {dim}) miss a band: {ff}")
    c.expect_value_error(lambda: llama3_rope_freq_factors(10000.0, 16, 8.0, 2.0, 2.0, 64),
                         "llama3 factors: equal low/high freq factors")


def main() -> int:
    c = Checks()
    for case in CASES:
        check_case(case, c)
    check_causality(c)
    check_metadata(c)
    check_llama3_factors(c)
    status = "OK" if not c.failures else "FAILED"
    print(f"llama_ref selfcheck {status}: {c.passed} passed, {len(c.failures)} failed "
          f"({len(CASES)} model cases vs an HF-layout PyTorch Llama)")
    return 0 if not c.failures else 1


if __name__ == "__main__":
    sys.exit(main())
