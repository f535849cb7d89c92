#!/usr/bin/python3
"""The demo-model pipeline end to end on a tiny configuration: data.py sources (small), spm_train,
data determinism and splits, a 20-step training run that resumes mid-way and ends bit-identical
to an uninterrupted run, export to GGUF, read back by the independent tests/golden/gguf_ref.py
and by `quire-cli inspect --json`.

  test_train_pipeline.py PATH/TO/quire-cli
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TRAIN = os.path.join(ROOT, "resources", "models", "train")
sys.path.insert(0, TRAIN)
import data  # noqa: E402
import export_gguf  # noqa: E402
import train  # noqa: E402
from tokenizer import Tokenizer  # noqa: E402

torch.set_num_threads(1)
PY = "/usr/bin/python3"
CLI = None  # set from argv


def gguf_ref():
    spec = importlib.util.spec_from_file_location("gguf_ref", os.path.join(ROOT, "tests", "golden", "gguf_ref.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TINY = ["--steps", "20", "--full-steps", "10", "--full-seq-len", "256", "--seq-len", "512",
        "--attention", "tensorized", "--dims", "2,2,128", "--batch", "2", "--dim", "32",
        "--layers", "1", "--heads", "4", "--kv-heads", "2", "--ffn", "64", "--warmup", "3",
        "--ckpt-every", "100", "--eval-every", "20", "--eval-n", "2", "--log-every", "5",
        "--lr", "3e-3"]


class Pipeline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        subprocess.run([PY, os.path.join(TRAIN, "data.py"), "sources", cls.dir, "--small"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([PY, os.path.join(TRAIN, "tokenizer.py"), "train",
                        os.path.join(cls.dir, "corpus.txt"), os.path.join(cls.dir, "tok"), "400"],
                       check=True, stdout=subprocess.DEVNULL)
        cls.sources = data.load_sources(os.path.join(cls.dir, "sources.json"))
        cls.tok = Tokenizer(os.path.join(cls.dir, "tok.model"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_train(self, out, *extra):
        args = ["--data", self.dir, "--tokenizer", os.path.join(self.dir, "tok.model"), "--out", out] + TINY
        r = subprocess.run([PY, os.path.join(TRAIN, "train.py")] + args + list(extra),
                           capture_output=True, text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r.stdout

    # ---- data ------------------------------------------------------------------------------
    def test_examples_are_deterministic_by_seed(self):
        mix = {k: 1 for k in data.TASKS}
        a = [data.example_at(self.sources, 7, "train", i, 1500, mix).to_json() for i in range(12)]
        b = [data.example_at(self.sources, 7, "train", i, 1500, mix).to_json() for i in range(12)]
        c = [data.example_at(self.sources, 8, "train", i, 1500, mix).to_json() for i in range(12)]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertEqual({e["kind"] for e in a}, set(data.TASKS))
        batcher = train.Batcher(self.sources, self.tok, mix, 3)
        t1, y1, _ = batcher.batch("train", 40, 3, 512)
        t2, y2, _ = batcher.batch("train", 40, 3, 512)
        self.assertTrue(torch.equal(t1, t2) and torch.equal(y1, y2))

    def test_heldout_documents_are_not_trained_on(self):
        for source, docs in self.sources["heldout"].items():
            train_paras = {p for d in self.sources["train"][source] for p in d}
            held = [p for d in docs for p in d if len(p) > 80]
            self.assertTrue(held, source)
            overlap = sum(p in train_paras for p in held)
            self.assertLess(overlap, len(held) // 10 + 1, f"{source}: held-out text also in train")

    def test_answers_are_in_the_document_and_only_answers_are_trained(self):
        mix = {"needle": 1, "code": 1}
        for i in range(20):
            ex = data.example_at(self.sources, 1, "train", i, 2000, mix)
            prompt, answer = ex.segments[0][0], ex.answer
            document = prompt.split("<|im_start|>user\n", 1)[1]
            self.assertIn(answer, document, f"example {i} ({ex.kind}): answer not in the document")
            ids, mask = self.tok.encode_segments(ex.segments)
            trained = self.tok.decode([t for t, m in zip(ids, mask) if m])
            self.assertEqual(trained.strip(), answer, f"example {i}: trained tokens")
            self.assertEqual([t for t, m in zip(ids, mask) if m][-1], self.tok.im_end_id)

    def test_kv_drill_trains_every_repeat_and_no_first_sight(self):
        ex = data.example_at(self.sources, 2, "train", 0, 3000, {"kv": 1})
        seen = {}
        for (key, _), (value, trained) in zip(ex.segments[1::3], ex.segments[2::3]):
            self.assertEqual(trained, key in seen, key)
            if key in seen:
                self.assertEqual(seen[key], value)
            seen[key] = value
        self.assertGreater(sum(t for _, t in ex.segments), 5)

    # ---- training, resume, export -------------------------------------------------------------
    def test_train_resume_export_inspect(self):
        straight = os.path.join(self.dir, "straight")
        split = os.path.join(self.dir, "split")
        log = self.run_train(straight)
        self.assertIn('"attention": "tensorized"', log)
        self.assertIn('"eval"', log)
        self.run_train(split, "--sitting-steps", "12")
        first = torch.load(os.path.join(split, "last.pt"), map_location="cpu")
        self.assertEqual(first["step"], 12)
        self.run_train(split, "--resume", "--workers", "2")  # batches built in worker processes
        a = torch.load(os.path.join(straight, "last.pt"), map_location="cpu")
        b = torch.load(os.path.join(split, "last.pt"), map_location="cpu")
        self.assertEqual(a["step"], 20)
        self.assertEqual(b["step"], 20)
        for k in a["model"]:
            self.assertTrue(torch.equal(a["model"][k], b["model"][k]), f"{k} differs after resume")
        self.assertFalse(torch.equal(a["model"]["blk.0.attn_q.weight"],
                                     first["model"]["blk.0.attn_q.weight"]))

        g = gguf_ref()
        for f16 in (False, True):
            path = os.path.join(self.dir, f"m{int(f16)}.gguf")
            export_gguf.export(os.path.join(split, "last.pt"), os.path.join(self.dir, "tok.model"), path, f16)
            with open(path, "rb") as f:
                got = g.read(f.read())
            meta = {m["key"]: m["value"] for m in got["metadata"]}
            val = {k: v["value"] for k, v in meta.items() if v["type"] != g.ARR}
            self.assertEqual(val["general.architecture"], "llama")
            self.assertEqual(val["llama.block_count"], 1)
            self.assertEqual(val["llama.embedding_length"], 32)
            self.assertEqual(val["llama.attention.head_count_kv"], 2)
            self.assertEqual(val["llama.rope.dimension_count"], 8)
            self.assertEqual(val["quire.attention.tensorized.variant"], "complete")
            self.assertEqual(val["quire.attention.tensorized.rope"], "local")
            self.assertEqual([x["value"] for x in meta["quire.attention.tensorized.dims"]["value"]], [2, 2, 128])
            self.assertIn("<|im_start|>", val["tokenizer.chat_template"])
            toks = [x["value"] for x in meta["tokenizer.ggml.tokens"]["value"]]
            self.assertEqual(toks[val["tokenizer.ggml.eos_token_id"]], "<|im_end|>")
            self.assertEqual(len(toks), self.tok.vocab_size)
            types = [x["value"] for x in meta["tokenizer.ggml.token_type"]["value"]]
            self.assertEqual(types[toks.index("<|im_start|>")], 3)
            tensors = {t["name"]: t for t in got["tensors"]}
            self.assertEqual(set(tensors), set(b["model"]))
            q = tensors["blk.0.attn_q.weight"]
            self.assertEqual(q["shape"], [32, 32])
            dt = "<f2" if f16 else "<f4"
            arr = np.frombuffer(bytes.fromhex(q["data_hex"]), dtype=dt).reshape(32, 32)
            want = b["model"]["blk.0.attn_q.weight"].numpy()
            np.testing.assert_allclose(arr.astype("f4"), want, rtol=1e-3 if f16 else 0, atol=1e-4 if f16 else 0)
            self.assertEqual(tensors["blk.0.attn_norm.weight"]["type"], 0)
            self.assertEqual(tensors["token_embd.weight"]["shape"], [32, self.tok.vocab_size])

            r = subprocess.run([CLI, "inspect", "--json", path], capture_output=True, text=True, check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            js = json.loads(r.stdout)
            self.assertEqual(js["architecture"], "llama")
            self.assertEqual(js["tensor_count"], len(tensors))
            self.assertEqual(js["size_bytes"], os.path.getsize(path))
            self.assertEqual(js["metadata"]["quire.attention.tensorized.variant"], "complete")
            self.assertEqual(js["tensor_types"], {"f16": 8, "f32": 3} if f16 else {"f32": 11})


if __name__ == "__main__":
    CLI = sys.argv.pop(1)
    unittest.main()
