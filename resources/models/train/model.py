"""A Llama decoder in PyTorch, written for Quire's demo model, with full or tensorized attention.

Contracts
- Weights are named as the GGUF tensors they become (token_embd, blk.N.attn_q, ...), and every
  nn.Linear weight is [out, in] (row-major), which is ggml's [in, out] without any copy.
- RoPE uses ggml's NORMAL convention (LLAMA_ROPE_TYPE_NORM): dimension pairs are adjacent,
  (x[2i], x[2i+1]) rotated by pos * base^(-2i/D). Hugging Face's Llama rotates halves
  (x[i], x[i+D/2]) and its GGUF converter permutes Q/K rows to compensate; this model is trained
  in the adjacent convention, so export_gguf.py writes Q and K as they are.
- Attention modes: "full" (exact causal) and "tensorized" (TENSORIZED.md, variants "complete" and
  "cone", RoPE "local" or "global"). Tensors are [batch, heads, tokens, head_dim] throughout.
- tensorized_attention() folds the padded sequence into [.., n_1, .., n_d, ..] and attends along
  one axis per hop (cost ~ N * sum(n_j) per head, no N x N matrix); dense_tensorized_matrix()
  builds the P x P matrix of TENSORIZED.md's "dense equivalent" for tests and span reports.
Numerics: fp32 or bf16 under autocast; every softmax subtracts the max of its own entries only.
"""
import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = ("complete", "cone")
ROPE_MODES = ("local", "global")


@dataclass
class Config:
    vocab_size: int = 4096
    dim: int = 256
    n_layers: int = 4
    n_heads: int = 8
    n_kv_heads: int = 4
    ffn_dim: int = 688
    norm_eps: float = 1e-5
    rope_base: float = 10000.0
    context_length: int = 4096
    tie_embeddings: bool = True
    attention: str = "full"            # "full" | "tensorized"
    dims: list = field(default_factory=lambda: [8, 8, 64])  # coarsest first
    variant: str = "complete"          # "complete" | "cone"
    rope_mode: str = "local"           # "local" | "global"

    def check(self):
        """Raises ValueError naming the bad field; the training CLI shows it to the user."""
        if self.dim % self.n_heads or (self.dim // self.n_heads) % 2:
            raise ValueError(f"dim {self.dim} must split into {self.n_heads} heads of even size")
        if self.n_heads % self.n_kv_heads:
            raise ValueError(f"n_heads {self.n_heads} must be a multiple of n_kv_heads {self.n_kv_heads}")
        if self.attention not in ("full", "tensorized"):
            raise ValueError(f"attention '{self.attention}': use 'full' or 'tensorized'")
        if self.variant not in VARIANTS or self.rope_mode not in ROPE_MODES:
            raise ValueError(f"variant '{self.variant}' / rope '{self.rope_mode}' unknown")
        if self.attention == "tensorized" and (not self.dims or min(self.dims) < 1):
            raise ValueError(f"tensorized dims {self.dims} must be positive integers")
        return self

    def to_dict(self):
        return asdict(self)

    @staticmethod
    def from_dict(d):
        return Config(**d).check()


# ---- RoPE (ggml NORMAL: adjacent pairs) ----------------------------------------------------
def rope(x, pos, base):
    """x: [.., T, D] (D even); pos: [T] or broadcastable to x[..., 0] (integer positions)."""
    d = x.shape[-1]
    ct = torch.promote_types(x.dtype, torch.float32)          # fp32 under bf16, fp64 in tests
    inv = base ** (-torch.arange(0, d, 2, device=x.device, dtype=ct) / d)
    ang = pos.to(ct).unsqueeze(-1) * inv                      # [.., T, D/2]
    cos, sin = torch.cos(ang), torch.sin(ang)
    xf = x.to(ct)
    x0, x1 = xf[..., 0::2], xf[..., 1::2]
    out = torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)
    return out.to(x.dtype)


def expand_kv(x, n_heads):
    """GQA: [B, Hkv, T, D] -> [B, Hq, T, D]; query head h reads kv head h // (Hq / Hkv)."""
    return x.repeat_interleave(n_heads // x.shape[1], dim=1)


# ---- full causal attention -------------------------------------------------------------------
def full_attention(q, k, v, base):
    """q: [B, Hq, T, D], k, v: [B, Hkv, T, D], unrotated; positions 0..T-1."""
    t = q.shape[2]
    pos = torch.arange(t, device=q.device)
    qr, kr = rope(q, pos, base), expand_kv(rope(k, pos, base), q.shape[1])
    s = qr @ kr.transpose(-1, -2) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool, device=q.device).tril()
    return torch.softmax(s.masked_fill(~mask, float("-inf")), -1) @ expand_kv(v, q.shape[1])


# ---- tensorized attention --------------------------------------------------------------------
def strides_of(dims):
    return [math.prod(dims[j + 1:]) for j in range(len(dims))]


def coords(pos, dims):
    """c_j(t) for every dim j: [d, len(pos)]."""
    return torch.stack([(pos // s) % n for n, s in zip(dims, strides_of(dims))])


def masked_softmax(logits, mask):
    """Softmax over the last axis restricted to `mask`; a row with no entry gives zeros (so a
    padding row never turns into NaN that a zero weight would then spread). Computed in at least
    fp32 (bf16 exp/sum would lose the small weights of long fibers)."""
    x = logits.to(torch.promote_types(logits.dtype, torch.float32))
    x = x.masked_fill(~mask, torch.finfo(x.dtype).min)
    x = x - x.amax(-1, keepdim=True).detach()
    e = torch.exp(x) * mask
    return e / e.sum(-1, keepdim=True).clamp_min(torch.finfo(e.dtype).tiny)


def _fold(x, dims, axis):
    """[B, H, P, D] -> [B, H, rest.., n_axis, D] with `axis` moved next to D."""
    b, h, _, d = x.shape
    return x.reshape(b, h, *dims, d).movedim(2 + axis, -2)


def _unfold(x, dims, axis):
    b, h, d = x.shape[0], x.shape[1], x.shape[-1]
    return x.movedim(-2, 2 + axis).reshape(b, h, math.prod(dims), d)


def tensorized_attention(q, k, v, dims, variant="complete", rope_mode="local", base=10000.0):
    """TENSORIZED.md attention. q: [B, Hq, N, D], k, v: [B, Hkv, N, D], unrotated, N <= prod(dims).
    Returns [B, Hq, N, D]. Padding positions >= N get weight exactly 0 in every hop."""
    if variant not in VARIANTS or rope_mode not in ROPE_MODES:
        raise ValueError(f"variant '{variant}' / rope '{rope_mode}' unknown")
    b, hq, n, d = q.shape
    p = math.prod(dims)
    if n > p:
        raise ValueError(f"{n} tokens do not fit tensorized dims {dims} (P = {p})")
    k, v = expand_kv(k, hq), expand_kv(v, hq)
    pad = (0, 0, 0, p - n)
    q, k, v = F.pad(q, pad), F.pad(k, pad), F.pad(v, pad)
    pos = torch.arange(p, device=q.device)
    c = coords(pos, dims)
    valid = pos < n
    scale = 1.0 / math.sqrt(d)
    if rope_mode == "global":
        qg, kg = rope(q, pos, base), rope(k, pos, base)
    closed, opened = v, v
    for j in reversed(range(len(dims))):
        if rope_mode == "global":
            qj, kj = qg, kg
        else:
            qj, kj = rope(q, c[j], base), rope(k, c[j], base)
        qf, kf = _fold(qj, dims, j), _fold(kj, dims, j)
        logits = qf @ kf.transpose(-1, -2) * scale             # [B, H, rest.., n_j, n_j]
        key_ok = _fold(valid.view(1, 1, p, 1), dims, j)[..., 0]   # [1, 1, rest.., n_j]
        key_ok = key_ok.unsqueeze(-2)                             # broadcast over query rows
        nj = dims[j]
        lower = torch.ones(nj, nj, dtype=torch.bool, device=q.device).tril()
        if variant == "cone":
            w = masked_softmax(logits, lower & key_ok)
            opened = _unfold(w @ _fold(opened, dims, j), dims, j)
            continue
        closed_f = _fold(closed, dims, j)
        past = lower.tril(-1) & key_ok
        own = torch.diagonal(logits, dim1=-2, dim2=-1).unsqueeze(-1)   # score_j(t, t)
        w = masked_softmax(torch.cat((logits, own), -1),
                           torch.cat((past.expand_as(logits), torch.ones_like(own, dtype=torch.bool)), -1))
        new_open = w[..., :nj] @ closed_f + w[..., nj:] * _fold(opened, dims, j)
        if j > 0:  # closed_1 is never read
            closed = _unfold(masked_softmax(logits, key_ok) @ closed_f, dims, j)
        opened = _unfold(new_open, dims, j)
    return opened[:, :, :n]


def dense_tensorized_matrix(q, k, dims, variant="complete", rope_mode="local", base=10000.0):
    """TENSORIZED.md's dense equivalent M: [B, Hq, N, N] with output = M @ V. For P <= ~1024."""
    b, hq, n, d = q.shape
    p = math.prod(dims)
    k = expand_kv(k, hq)
    pos = torch.arange(p, device=q.device)
    q, k = F.pad(q, (0, 0, 0, p - n)), F.pad(k, (0, 0, 0, p - n))
    c = coords(pos, dims)
    valid = (pos < n).view(1, p)
    eye = torch.eye(p, dtype=q.dtype, device=q.device).expand(b, hq, p, p)
    closed, opened = eye, eye
    for j in reversed(range(len(dims))):
        rp = pos if rope_mode == "global" else c[j]
        logits = rope(q, rp, base) @ rope(k, rp, base).transpose(-1, -2) / math.sqrt(d)
        other = [i for i in range(len(dims)) if i != j]
        same = torch.ones(p, p, dtype=torch.bool, device=q.device)
        for i in other:
            same &= c[i].view(p, 1) == c[i].view(1, p)
        fiber = same & valid
        before = c[j].view(p, 1) > c[j].view(1, p)
        diag = torch.eye(p, dtype=torch.bool, device=q.device)
        if variant == "cone":
            opened = masked_softmax(logits, fiber & (before | diag)) @ opened
            continue
        w = masked_softmax(logits, (fiber & before) | diag)
        own = w * diag
        new_open = own @ opened + (w - own) @ closed
        closed = masked_softmax(logits, fiber) @ closed
        opened = new_open
    return opened[:, :, :n, :n]


# ---- the Llama block ---------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype) * self.weight


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.dim // cfg.n_heads
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn_q = nn.Linear(cfg.dim, cfg.n_heads * hd, bias=False)
        self.attn_k = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.attn_v = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.attn_output = nn.Linear(cfg.n_heads * hd, cfg.dim, bias=False)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.ffn_gate = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.ffn_up = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.ffn_down = nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)

    def attend(self, x):
        cfg = self.cfg
        b, t, _ = x.shape
        hd = cfg.dim // cfg.n_heads
        q = self.attn_q(x).view(b, t, cfg.n_heads, hd).transpose(1, 2)
        k = self.attn_k(x).view(b, t, cfg.n_kv_heads, hd).transpose(1, 2)
        v = self.attn_v(x).view(b, t, cfg.n_kv_heads, hd).transpose(1, 2)
        if cfg.attention == "full":
            o = full_attention(q, k, v, cfg.rope_base)
        else:
            o = tensorized_attention(q, k, v, cfg.dims, cfg.variant, cfg.rope_mode, cfg.rope_base)
        return self.attn_output(o.transpose(1, 2).reshape(b, t, cfg.n_heads * hd))

    def forward(self, x):
        x = x + self.attend(self.attn_norm(x))
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class Llama(nn.Module):
    """tokens [B, T] (int64) -> logits [B, T, vocab] (fp32)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg.check()
        self.token_embd = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.blk = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.output_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = None if cfg.tie_embeddings else nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def set_attention(self, attention, dims=None, variant=None, rope_mode=None):
        """Switches the attention of every block (curriculum: full first, then tensorized)."""
        cfg = self.cfg
        cfg.attention = attention
        cfg.dims = list(dims) if dims is not None else cfg.dims
        cfg.variant = variant or cfg.variant
        cfg.rope_mode = rope_mode or cfg.rope_mode
        cfg.check()

    def forward(self, tokens):
        x = self.token_embd(tokens)
        for blk in self.blk:
            x = blk(x)
        x = self.output_norm(x)
        w = self.token_embd.weight if self.output is None else self.output.weight
        return (x @ w.t()).float()
