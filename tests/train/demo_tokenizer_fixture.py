#!/usr/bin/python3
"""Fixture for test_demo_tokenizer.cpp: a tiny demo model exported by the training scripts, and
the token ids the training pipeline feeds for chat examples.

  demo_tokenizer_fixture.py OUT_DIR   writes OUT_DIR/demo.gguf and OUT_DIR/cases.json

cases.json: [{"messages": [[role, content]...], "ids": [...], "trained": [0/1...]}], where ids
are what tokenizer.Tokenizer.encode_segments gives for the example's segments (BOS first); the
engine must produce the same ids from the ChatML rendering of the messages.
"""
import json
import os
import subprocess
import sys

import torch

TRAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "models", "train")
sys.path.insert(0, TRAIN)
import data  # noqa: E402
import export_gguf  # noqa: E402
import model  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

torch.set_num_threads(1)


def main(out):
    py = "/usr/bin/python3"
    subprocess.run([py, os.path.join(TRAIN, "data.py"), "sources", out, "--small"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([py, os.path.join(TRAIN, "tokenizer.py"), "train", os.path.join(out, "corpus.txt"),
                    os.path.join(out, "tok"), "600"], check=True, stdout=subprocess.DEVNULL)
    tok = Tokenizer(os.path.join(out, "tok.model"))
    torch.manual_seed(0)
    cfg = model.Config(vocab_size=tok.vocab_size, dim=16, n_layers=1, n_heads=2, n_kv_heads=1,
                       ffn_dim=32, context_length=256, attention="tensorized", dims=[2, 2, 64])
    net = model.Llama(cfg)
    ckpt = os.path.join(out, "ckpt.pt")
    torch.save({"step": 0, "config": cfg.to_dict(), "model": net.state_dict()}, ckpt)
    export_gguf.export(ckpt, os.path.join(out, "tok.model"), os.path.join(out, "demo.gguf"))
    sources = data.load_sources(os.path.join(out, "sources.json"))
    cases = []
    for i in range(24):
        kind = ("needle", "code")[i % 2]
        ex = data.example_at(sources, 5, "heldout", i, 300 + 150 * i, {kind: 1})
        ids, trained = tok.encode_segments(ex.segments)
        cases.append({"messages": ex.messages, "ids": ids, "trained": [int(t) for t in trained]})
    odd = data.chat("needle", "Zoë’s café — naïve  text\twith\ttabs\n\n  indented\n", "Où? 42",
                    "Captain Ëlo")
    ids, trained = tok.encode_segments(odd.segments)
    cases.append({"messages": odd.messages, "ids": ids, "trained": [int(t) for t in trained]})
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
