#!/usr/bin/python3
"""Independent perplexity reference: llama_ref.py's float64 forward pass over an F32 GGUF model,
with llama.cpp's `perplexity` windowing (tools/perplexity/perplexity.cpp):

  the token list is cut into floor(n / n_ctx) non-overlapping windows of n_ctx tokens; each window
  runs on an empty context with its first token replaced by BOS (when bos >= 0); logits row j for
  j in [n_ctx // 2, n_ctx - 1) predicts token j + 1 of the window (the original token, not BOS);
  nll = logsumexp(row) - row[target]; PPL = exp(sum nll / count).

Usage: perplexity_ref.py MODEL.gguf TOKENS.txt N_CTX BOS
  TOKENS.txt holds whitespace-separated token ids. Prints (golden_io) "ppl" (one value),
  "running" (PPL after each window) and "count" (tokens scored).
"""
import sys

import numpy as np

import gguf_ref
import llama_ref
from golden_io import emit


def plain(value):
    """gguf_ref's {"type", "value"} nodes -> plain Python values (arrays as lists)."""
    v = value["value"]
    return [plain(x) for x in v] if isinstance(v, list) else v


def load(path):
    with open(path, "rb") as f:
        parsed = gguf_ref.read(f.read())
    meta = {m["key"]: plain(m["value"]) for m in parsed["metadata"]}
    weights = {}
    for t in parsed["tensors"]:
        if t["type"] != 0:
            raise ValueError(f"{t['name']}: this reference reads F32 tensors only")
        shape = tuple(reversed(t["shape"]))  # GGUF ne order -> numpy row-major
        weights[t["name"]] = np.frombuffer(bytes.fromhex(t["data_hex"]), "<f4").reshape(shape)
    return llama_ref.LlamaConfig.from_metadata(meta), weights


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    config, weights = load(argv[1])
    with open(argv[2], encoding="ascii") as f:
        tokens = [int(x) for x in f.read().split()]
    n_ctx, bos = int(argv[3]), int(argv[4])
    first = n_ctx // 2
    nll, count, running = 0.0, 0, []
    for w in range(len(tokens) // n_ctx):
        window = tokens[w * n_ctx:(w + 1) * n_ctx]
        targets = list(window)
        if bos >= 0:
            window[0] = bos
        logits = llama_ref.forward_f64(config, weights, window)
        for j in range(first, n_ctx - 1):
            row = logits[j]
            m = row.max()
            nll += float(np.log(np.exp(row - m).sum()) + m - row[targets[j + 1]])
            count += 1
        running.append(np.exp(nll / count))
    emit("ppl", [running[-1]])
    emit("running", running)
    emit("count", [count])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
