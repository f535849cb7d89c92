"""Independent byte-level BPE encoder, the reference the C++ BPE tokenizer is compared with.

The classic GPT-2 procedure: pre-tokenize with the regex, map each word's UTF-8 bytes to the
byte alphabet, then repeatedly merge every occurrence (left to right) of the adjacent pair with
the lowest merge rank until no ranked pair is left. For the Llama 3 pre-tokenizer a word that is
itself a vocabulary token is taken whole (Hugging Face's ignore_merges, as llama.cpp does).
With parse_special, control tokens' text in the input is cut out first (leftmost, longest).

usage: bpe_ref.py VOCAB.json STRINGS.json PRE OUT.json
Writes {"plain": [[ids]...], "special": [[ids]...]} for parse_special false / true.
"""
import json
import sys

from bpe_common import pattern_for, to_byte_level


def bpe(word, ranks):
    syms = list(word)
    while len(syms) > 1:
        best = None
        for a, b in zip(syms, syms[1:]):
            r = ranks.get(a + " " + b)
            if r is not None and (best is None or r < best[0]):
                best = (r, a, b)
        if best is None:
            break
        _, a, b = best
        out = []
        i = 0
        while i < len(syms):
            if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(syms[i])
                i += 1
        syms = out
    return syms


class Encoder:
    def __init__(self, vocab, pre):
        self.ids = {}
        for i, t in enumerate(vocab["tokens"]):
            self.ids.setdefault(t, i)
        self.ranks = {m: i for i, m in enumerate(vocab["merges"])}
        self.specials = sorted(
            [(t, i) for i, (t, ty) in enumerate(zip(vocab["tokens"], vocab["types"])) if ty == 3],
            key=lambda ti: -len(ti[0]))
        self.pattern = pattern_for(pre)
        self.ignore_merges = pre in ("llama-bpe", "llama3", "smaug-bpe")

    def encode_text(self, text, out):
        for word in self.pattern.findall(text):
            w = to_byte_level(word)
            if self.ignore_merges and w in self.ids:
                out.append(self.ids[w])
                continue
            out.extend(self.ids[s] for s in bpe(w, self.ranks))

    def encode(self, text, parse_special):
        out = []
        if not parse_special:
            self.encode_text(text, out)
            return out
        pos = begin = 0
        while pos < len(text):
            hit = next((s for s in self.specials if text.startswith(s[0], pos)), None)
            if hit is None:
                pos += 1
                continue
            self.encode_text(text[begin:pos], out)
            out.append(hit[1])
            pos += len(hit[0])
            begin = pos
        self.encode_text(text[begin:], out)
        return out


def main():
    vocab = json.load(open(sys.argv[1], encoding="utf-8"))
    strings = json.load(open(sys.argv[2], encoding="utf-8"))
    enc = Encoder(vocab, sys.argv[3])
    result = {"plain": [enc.encode(s, False) for s in strings],
              "special": [enc.encode(s, True) for s in strings]}
    with open(sys.argv[4], "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
