#!/usr/bin/python3
"""quire-cli debug attention against independent numpy references.

numpy writes random q, k, v (.npy, float32 and float64); the CLI computes full or tensorized
attention; tensorized_ref.py (the numpy model of TENSORIZED.md) and a textbook numpy causal
attention give the expected outputs. Also: the output keeps the input's dtype and shape, and
damaged or unsupported .npy files exit with code 3 (bad input), mismatched shapes with 4.

Usage: check_debug_attention.py PATH/TO/quire-cli
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensorized_ref  # noqa: E402

CASES = [
    # mode, dims, variant, rope kind, n, hq, hkv, dim, dtype, rope base
    ("tensorized", "4x8", "complete", "local", 29, 4, 2, 8, np.float32, 10000.0),
    ("tensorized", "4x8", "cone", "global", 32, 2, 1, 8, np.float64, 10000.0),
    ("tensorized", "3x4x5", "complete", "global", 47, 4, 1, 8, np.float64, 10000.0),
    ("tensorized", "3x4x5", "cone", "local", 60, 2, 2, 8, np.float32, 10000.0),
    ("tensorized", "2x3x70", "complete", "local", 300, 2, 1, 8, np.float32, 10000.0),
    ("full", "", "complete", "local", 70, 4, 2, 16, np.float32, 10000.0),
    ("full", "", "complete", "local", 33, 2, 1, 8, np.float64, 500000.0),
]


def full_causal(q, k, v, base):
    n, hq, dim = q.shape
    hkv = k.shape[1]
    pos = np.arange(n)
    qr = tensorized_ref.rope(q, pos, "normal", dim, base)
    kr = tensorized_ref.rope(k, pos, "normal", dim, base)
    out = np.zeros((n, hq, dim))
    mask = np.tril(np.ones((n, n), dtype=bool))
    for h in range(hq):
        g = h // (hq // hkv)
        s = qr[:, h, :] @ kr[:, g, :].T / np.sqrt(dim)
        out[:, h, :] = tensorized_ref.masked_softmax(s, mask) @ v[:, g, :].astype(np.float64)
    return out


def run(cli, *args):
    return subprocess.run([cli, "debug", "attention", *args], capture_output=True, text=True)


def main():
    cli = sys.argv[1]
    fails = 0
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as work:
        path = lambda name: os.path.join(work, name)
        for mode, dims, variant, rope_kind, n, hq, hkv, dim, dtype, base in CASES:
            q = rng.standard_normal((n, hq, dim)).astype(dtype)
            k = rng.standard_normal((n, hkv, dim)).astype(dtype)
            v = rng.standard_normal((n, hkv, dim)).astype(dtype)
            for name, x in (("q", q), ("k", k), ("v", v)):
                np.save(path(name + ".npy"), x)
            args = ["--q", path("q.npy"), "--k", path("k.npy"), "--v", path("v.npy"), "--out",
                    path("o.npy"), "--mode", mode, "--rope-base", str(base), "--threads", "2"]
            if mode == "tensorized":
                args += ["--dims", dims, "--variant", variant, "--rope", rope_kind]
            r = run(cli, *args)
            if r.returncode != 0:
                print(f"FAIL {mode} {dims}: exit {r.returncode}: {r.stderr}")
                fails += 1
                continue
            got = np.load(path("o.npy"))
            # The CLI computes in float32: the references read the same float32-rounded inputs.
            q32, k32, v32 = (x.astype(np.float32) for x in (q, k, v))
            if mode == "tensorized":
                want = tensorized_ref.tensorized(q32, k32, v32, [int(x) for x in dims.split("x")],
                                                 variant, rope_kind, "normal", dim)
            else:
                want = full_causal(q32, k32, v32, base)
            err = float(np.abs(got.astype(np.float64) - want).max())
            ok = got.dtype == dtype and got.shape == (n, hq, dim) and err < 3e-5
            print(f"{'ok  ' if ok else 'FAIL'} {mode:10} {dims:7} {variant:8} {rope_kind:6} n={n:3} "
                  f"{hq}/{hkv} heads {np.dtype(dtype).name}: dtype {got.dtype}, "
                  f"max |cli - numpy| = {err:.2e}")
            fails += not ok

        # Order 1 (one chunk holding every token) is exactly full causal attention.
        q = rng.standard_normal((40, 2, 8)).astype(np.float32)
        k = rng.standard_normal((40, 1, 8)).astype(np.float32)
        v = rng.standard_normal((40, 1, 8)).astype(np.float32)
        for name, x in (("q", q), ("k", k), ("v", v)):
            np.save(path(name + ".npy"), x)
        common = ["--q", path("q.npy"), "--k", path("k.npy"), "--v", path("v.npy")]
        r1 = run(cli, *common, "--mode", "tensorized", "--dims", "64", "--out", path("t.npy"))
        r2 = run(cli, *common, "--mode", "full", "--out", path("f.npy"))
        err = float(np.abs(np.load(path("t.npy")) - np.load(path("f.npy"))).max()) \
            if r1.returncode == 0 and r2.returncode == 0 else float("inf")
        ok = err < 3e-6
        print(f"{'ok  ' if ok else 'FAIL'} tensorized d=1 equals full: max diff {err:.2e}")
        fails += not ok

        # Damaged or unsupported inputs: exit 3, with a message naming the file.
        good = open(path("q.npy"), "rb").read()
        bad_files = {
            "truncated": good[:-3],
            "extra_bytes": good + b"\0\0\0\0",
            "bad_magic": b"\x93NUMPX" + good[6:],
            "short": good[:9],
            "header_past_end": good[:8] + b"\xff\xff" + good[10:],
            "version_9": good[:6] + b"\x09" + good[7:],
            "garbage_header": good[:10] + b"[" + good[11:],
        }
        np.save(path("int.npy"), np.zeros((40, 2, 8), dtype=np.int32))
        bad_files["int32"] = open(path("int.npy"), "rb").read()
        np.save(path("big.npy"), np.zeros((40, 2, 8), dtype=">f4"))
        bad_files["big_endian"] = open(path("big.npy"), "rb").read()
        np.save(path("fortran.npy"), np.asfortranarray(rng.standard_normal((40, 2, 8))))
        bad_files["fortran"] = open(path("fortran.npy"), "rb").read()
        for name, data in bad_files.items():
            with open(path(name + ".npy"), "wb") as f:
                f.write(data)
            r = run(cli, "--q", path(name + ".npy"), "--k", path("k.npy"), "--v", path("v.npy"),
                    "--out", path("x.npy"))
            ok = r.returncode == 3 and name + ".npy" in r.stderr
            print(f"{'ok  ' if ok else 'FAIL'} bad .npy '{name}': exit {r.returncode}: "
                  f"{r.stderr.strip()}")
            fails += not ok
        r = run(cli, "--q", path("missing.npy"), "--k", path("k.npy"), "--v", path("v.npy"),
                "--out", path("x.npy"))
        ok = r.returncode == 3
        print(f"{'ok  ' if ok else 'FAIL'} missing file: exit {r.returncode}")
        fails += not ok
        np.save(path("k3.npy"), rng.standard_normal((40, 3, 8)).astype(np.float32))
        r = run(cli, "--q", path("q.npy"), "--k", path("k3.npy"), "--v", path("k3.npy"),
                "--out", path("x.npy"))
        ok = r.returncode == 4
        print(f"{'ok  ' if ok else 'FAIL'} 2 query heads over 3 kv heads: exit {r.returncode}")
        fails += not ok
    print("all passed" if fails == 0 else f"{fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
