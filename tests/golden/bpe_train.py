"""Trains a small byte-level BPE vocabulary on a text file: test infrastructure for the tokenizer
golden (the vocabulary the C++ tokenizer and bpe_ref.py are both run with), not code under test.

usage: bpe_train.py CORPUS OUT.json N_MERGES
Writes {"tokens": [...], "types": [...], "merges": ["a b", ...]}: the 256 byte characters (ids
0..255 in byte order), one token per merge, then three control tokens. Deterministic: the most
frequent pair wins, ties broken by the smallest pair.
"""
import collections
import json
import sys

from bpe_common import LLAMA3_PATTERN, BYTE_CHAR, to_byte_level
import regex

SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]


def main():
    corpus, out_path, n_merges = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = open(corpus, encoding="utf-8").read()
    words = collections.Counter(
        to_byte_level(w) for w in regex.findall(LLAMA3_PATTERN, text))
    # word as a tuple of symbols -> count
    split = {tuple(w): c for w, c in words.items()}
    tokens = [BYTE_CHAR[b] for b in range(256)]
    known = set(tokens)
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for syms, c in split.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merged = best[0] + best[1]
        merges.append(best[0] + " " + best[1])
        if merged not in known:
            tokens.append(merged)
            known.add(merged)
        new_split = {}
        for syms, c in split.items():
            out = []
            i = 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            t = tuple(out)
            new_split[t] = new_split.get(t, 0) + c
        split = new_split
    types = [1] * len(tokens) + [3] * len(SPECIALS)
    tokens += SPECIALS
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"tokens": tokens, "types": types, "merges": merges}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
