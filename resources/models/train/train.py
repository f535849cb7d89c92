#!/usr/bin/python3
"""Trains the demo model: AdamW, linear warmup + cosine decay, CPU or CUDA (bf16 autocast on CUDA).

Curriculum in one run: steps [0, --full-steps) use exact attention at --full-seq-len (retrieval
is learned there first); the rest use --attention (tensorized, order-3 --dims) at --seq-len,
continuing from the same weights. Batches are a pure function of (--seed, step), so a run stopped
anywhere (Ctrl-C saves a checkpoint) and restarted with --resume gives the same data it would
have seen; CPU sittings add up. Checkpoints: OUT/step_NNNNNNN.pt and OUT/last.pt (atomic rename),
the newest --keep kept. Logs: OUT/log.jsonl (one JSON object per logged step or eval).

Example (the tiny smoke run of tests/train; README.md has the GPU commands):
  train.py --data D --tokenizer D/tok.model --out runs/x --steps 20 --dim 32 --layers 1 ...
"""
import argparse
import collections
import json
import math
import multiprocessing
import os
import random
import signal
import sys
import time

import torch
import torch.nn.functional as F

import data
import model
from tokenizer import Tokenizer


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with sources.json (data.py sources)")
    p.add_argument("--tokenizer", required=True, help="SentencePiece .model (tokenizer.py train)")
    p.add_argument("--out", required=True, help="checkpoint and log folder")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--sitting-steps", type=int, default=0,
                   help="stop (with a checkpoint) after this many steps in this sitting; 0: run to --steps")
    p.add_argument("--full-steps", type=int, default=0, help="first steps with exact attention")
    p.add_argument("--full-seq-len", type=int, default=1024)
    p.add_argument("--seq-len", type=int, default=4096)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--attention", choices=["full", "tensorized"], default="tensorized")
    p.add_argument("--dims", default="4,8,128", help="tensorized dims, coarsest first")
    p.add_argument("--variant", choices=model.VARIANTS, default="complete")
    p.add_argument("--rope", choices=model.ROPE_MODES, default="local")
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=688)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--mix", default="text=2,needle=3,code=2,kv=3", help="task weights")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dtype", choices=["auto", "fp32", "bf16"], default="auto")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--workers", type=int, default=0,
                   help="processes that build batches ahead (0: in the training loop)")
    p.add_argument("--ckpt-every", type=int, default=500)
    p.add_argument("--keep", type=int, default=3)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--eval-n", type=int, default=64, help="held-out examples per task")
    p.add_argument("--log-every", type=int, default=10)
    a = p.parse_args(argv)
    a.dims = [int(x) for x in a.dims.split(",")]
    a.mix = {k: float(v) for k, v in (kv.split("=") for kv in a.mix.split(","))}
    unknown = set(a.mix) - set(data.TASKS)
    if unknown:
        p.error(f"--mix names unknown tasks {sorted(unknown)}; known: {', '.join(data.TASKS)}")
    if a.attention == "tensorized" and math.prod(a.dims) < a.seq_len:
        p.error(f"--dims {a.dims} hold {math.prod(a.dims)} tokens, fewer than --seq-len {a.seq_len}")
    return a


def phase(args, step):
    """(attention, seq_len) for a step of the curriculum."""
    if step < args.full_steps:
        return "full", args.full_seq_len
    return args.attention, args.seq_len


class Batcher:
    """Tokenized, padded batches that depend only on (seed, split, index)."""

    def __init__(self, sources, tok, mix, seed):
        self.sources, self.tok, self.mix, self.seed = sources, tok, mix, seed
        sample = "\n".join("\n".join(d) for d in sources["train"][sorted(sources["train"])[0]][:20])
        self.chars_per_token = max(1.0, len(sample) / max(1, len(tok.encode(sample))))

    def example(self, split, index, seq_len, mix=None):
        """ids, mask (trained positions), kind; at most seq_len tokens, the answer always kept."""
        rng = random.Random(f"{self.seed}:{split}:{index}:len")
        overhead = len(data.SYSTEM_PROMPT) + 120  # chat markup and the question
        n_chars = max(40, int(seq_len * self.chars_per_token * rng.uniform(0.3, 0.85)) - overhead)
        for attempt in range(8):
            ex = data.example_at(self.sources, self.seed, split, f"{index}.{attempt}", n_chars,
                                 mix or self.mix)
            ids, mask = self.tok.encode_segments(ex.segments)
            if len(ids) <= seq_len:
                return ids, mask, ex.kind
            if ex.kind in ("text", "kv"):  # cutting the tail keeps these well-formed
                return ids[:seq_len], mask[:seq_len], ex.kind
            n_chars = n_chars // 2
        raise RuntimeError(f"could not fit a {ex.kind} example into {seq_len} tokens")

    def batch(self, split, first, n, seq_len, mix=None):
        """tokens [n, seq_len] int64, targets [n, seq_len] (-100 where untrained), kinds."""
        tokens = torch.full((n, seq_len), self.tok.eos_id, dtype=torch.long)
        targets = torch.full((n, seq_len), -100, dtype=torch.long)
        kinds = []
        for i in range(n):
            ids, mask, kind = self.example(split, first + i, seq_len, mix)
            t = torch.tensor(ids)
            tokens[i, :len(ids)] = t
            m = torch.tensor(mask[1:], dtype=torch.bool)
            targets[i, :len(ids) - 1] = torch.where(m, t[1:], torch.full_like(t[1:], -100))
            kinds.append(kind)
        return tokens, targets, kinds


_WORKER = {}


def _init_worker(args):
    """Pool initializer: each worker loads its own sources and tokenizer; Ctrl-C is the trainer's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)
    _WORKER["args"] = args
    _WORKER["batcher"] = Batcher(data.load_sources(os.path.join(args.data, "sources.json")),
                                 Tokenizer(args.tokenizer), args.mix, args.seed)


def train_batch(batcher, args, step):
    """The batch of a training step: (tokens, targets), a pure function of (seed, step)."""
    tokens, targets, _ = batcher.batch("train", step * args.batch, args.batch, phase(args, step)[1])
    return tokens, targets


def _worker_batch(step):
    return train_batch(_WORKER["batcher"], _WORKER["args"], step)


def batches(batcher, args, start, end):
    """Yields the batches of steps start..end-1 in order; with --workers, at most 2 per worker
    are built ahead (memory stays bounded however far the run goes)."""
    if args.workers <= 0:
        for step in range(start, end):
            yield train_batch(batcher, args, step)
        return
    with multiprocessing.get_context("spawn").Pool(args.workers, _init_worker, (args,)) as pool:
        pending, nxt = collections.deque(), start
        while pending or nxt < end:
            while nxt < end and len(pending) < 2 * args.workers:
                pending.append(pool.apply_async(_worker_batch, (nxt,)))
                nxt += 1
            yield pending.popleft().get()


def lr_at(args, step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    frac = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * frac))


@torch.no_grad()
def evaluate(net, batcher, args, seq_len, device, autocast):
    """Held-out retrieval accuracy per task: an answer counts when every one of its tokens is the
    argmax given the true prefix (what greedy decoding would produce); kv counts each repeat."""
    net.eval()
    report = {}
    for kind in ("needle", "code", "kv"):
        right = total = 0
        loss_sum = n_tok = 0.0
        for first in range(0, args.eval_n, 8):
            n = min(8, args.eval_n - first)
            tokens, targets, _ = batcher.batch("heldout", 10_000_000 + first, n, seq_len, {kind: 1})
            tokens, targets = tokens.to(device), targets.to(device)
            with autocast():
                logits = net(tokens)
            ok = (logits.argmax(-1) == targets) | (targets == -100)
            loss_sum += F.cross_entropy(logits.transpose(1, 2), targets, reduction="sum").item()
            n_tok += (targets != -100).sum().item()
            if kind == "kv":
                right += ((logits.argmax(-1) == targets) & (targets != -100)).sum().item()
                total += (targets != -100).sum().item()
            else:
                right += ok.all(-1).sum().item()
                total += n
        report[kind] = {"accuracy": right / max(1, total), "loss": loss_sum / max(1.0, n_tok)}
    net.train()
    return report


def save(path_dir, step, net, opt, args, keep):
    state = {"step": step, "config": net.cfg.to_dict(), "model": net.state_dict(),
             "optimizer": opt.state_dict(), "args": vars(args)}
    path = os.path.join(path_dir, f"step_{step:07d}.pt")
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    torch.save(state, os.path.join(path_dir, "last.pt.tmp"))
    os.replace(os.path.join(path_dir, "last.pt.tmp"), os.path.join(path_dir, "last.pt"))
    old = sorted(f for f in os.listdir(path_dir) if f.startswith("step_") and f.endswith(".pt"))
    for f in old[:-keep]:
        os.remove(os.path.join(path_dir, f))


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu")
                          if args.device == "auto" else args.device)
    use_bf16 = args.dtype == "bf16" or (args.dtype == "auto" and device.type == "cuda")

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16)

    tok = Tokenizer(args.tokenizer)
    sources = data.load_sources(os.path.join(args.data, "sources.json"))
    batcher = Batcher(sources, tok, args.mix, args.seed)
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    cfg = model.Config(vocab_size=tok.vocab_size, dim=args.dim, n_layers=args.layers,
                       n_heads=args.heads, n_kv_heads=args.kv_heads, ffn_dim=args.ffn,
                       context_length=max(args.seq_len, args.full_seq_len), attention=args.attention,
                       dims=args.dims, variant=args.variant, rope_mode=args.rope)
    start = 0
    last = os.path.join(args.out, "last.pt")
    if args.resume and os.path.exists(last):
        state = torch.load(last, map_location="cpu")
        cfg = model.Config.from_dict(state["config"])
        net = model.Llama(cfg).to(device)
        net.load_state_dict(state["model"])
        start = state["step"]
    elif args.resume:
        print(f"--resume: no {last} yet; starting at step 0", file=sys.stderr)
    if start == 0:
        net = model.Llama(cfg).to(device)
    decay = [p for n, p in net.named_parameters() if p.dim() >= 2]
    rest = [p for n, p in net.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": rest, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    if start:
        opt.load_state_dict(state["optimizer"])
    n_params = sum(p.numel() for p in net.parameters())
    print(f"{n_params / 1e6:.2f}M parameters on {device}, {'bf16' if use_bf16 else 'fp32'}, "
          f"steps {start}..{args.steps}", flush=True)

    stop = {"now": False}
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
    log = open(os.path.join(args.out, "log.jsonl"), "a", encoding="utf-8")
    t0, step = time.time(), start
    end = min(args.steps, start + args.sitting_steps) if args.sitting_steps else args.steps
    saved = start
    for tokens, targets in batches(batcher, args, start, end):
        if stop["now"]:
            break
        attention, seq_len = phase(args, step)
        net.set_attention(attention, args.dims, args.variant, args.rope)
        tokens, targets = tokens.to(device), targets.to(device)
        for g in opt.param_groups:
            g["lr"] = lr_at(args, step)
        with autocast():
            logits = net(tokens)
        loss = F.cross_entropy(logits.transpose(1, 2), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        if step % args.log_every == 0 or step == args.steps:
            rec = {"step": step, "loss": loss.item(), "lr": lr_at(args, step - 1),
                   "attention": attention, "seq_len": seq_len,
                   "sec_per_step": (time.time() - t0) / (step - start)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
        if step % args.eval_every == 0 or step == args.steps:
            rec = {"step": step, "eval": evaluate(net, batcher, args, seq_len, device, autocast)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
        if step % args.ckpt_every == 0 or step == end or stop["now"]:
            save(args.out, step, net, opt, args, args.keep)
            saved = step
        log.flush()
    if saved != step:  # stopped while a batch was being built
        save(args.out, step, net, opt, args, args.keep)
    if stop["now"]:
        print(f"stopped at step {step}; checkpoint saved, continue with --resume", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
