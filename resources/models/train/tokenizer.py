#!/usr/bin/python3
"""The demo model's SentencePiece tokenizer: trained by Debian's `spm_train`, loaded with Debian's
python3-sentencepiece.

The training options match what engine/tokenizer rebuilds from a GGUF (spm_model_proto.cpp): a
BPE model, identity normalization, whitespace kept as it is (code indentation survives), byte
fallback (no <unk> for any UTF-8 input), digits split one by one (numbers are what the QA tasks
ask for). Ids: 0 <unk>, 1 <s>, 2 </s>, then the ChatML control tokens <|im_start|> <|im_end|>.
Control tokens are never produced from text by SentencePiece, so encode() splits them out itself,
as the engine does with parse_special = true.

  tokenizer.py train CORPUS.txt OUT_PREFIX [VOCAB_SIZE]   writes OUT_PREFIX.model / .vocab
  tokenizer.py encode MODEL TEXT                          prints the ids
"""
import re
import subprocess
import sys

import sentencepiece as spm

from data import SPECIAL_TOKENS

# GGUF tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def train(corpus, out_prefix, vocab_size=4096, threads=1, sentences=300000):
    """Runs spm_train; raises RuntimeError with its output when it fails."""
    cmd = ["spm_train", f"--input={corpus}", f"--model_prefix={out_prefix}",
           f"--vocab_size={vocab_size}", "--model_type=bpe", "--character_coverage=1.0",
           "--byte_fallback=true", "--split_digits=true", "--normalization_rule_name=identity",
           "--remove_extra_whitespaces=false", "--add_dummy_prefix=true",
           "--allow_whitespace_only_pieces=true", "--max_sentence_length=16384",
           f"--input_sentence_size={sentences}", "--shuffle_input_sentence=true",
           "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1",
           f"--control_symbols={','.join(SPECIAL_TOKENS)}", f"--num_threads={threads}",
           "--minloglevel=2"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"spm_train failed (is the Debian package sentencepiece installed?):\n"
                           f"{out.stderr[-2000:]}")
    return out_prefix + ".model"


class Tokenizer:
    def __init__(self, model_path):
        self.path = model_path
        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.special = {t: self.sp.piece_to_id(t) for t in SPECIAL_TOKENS}
        missing = [t for t, i in self.special.items() if self.sp.id_to_piece(i) != t]
        if missing:
            raise ValueError(f"{model_path} lacks the control tokens {missing}; retrain it with "
                             "tokenizer.py train")
        self.split_re = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")
        self.bos_id, self.eos_id, self.unk_id = self.sp.bos_id(), self.sp.eos_id(), self.sp.unk_id()
        self.im_end_id = self.special["<|im_end|>"]

    @property
    def vocab_size(self):
        return self.sp.get_piece_size()

    def encode(self, text):
        """Text with ChatML control tokens spelled out -> ids (no BOS)."""
        ids = []
        for part in self.split_re.split(text):
            if part in self.special:
                ids.append(self.special[part])
            elif part:
                ids.extend(self.sp.encode(part))
        return ids

    def encode_segments(self, segments):
        """[(text, trained)] -> (ids, trained flags), BOS first (untrained). The text is encoded
        as one string, exactly as the engine encodes the rendered prompt; a token is trained when
        its first character lies in a trained segment (so a piece spanning a boundary is not
        split and no extra dummy prefix appears at segment starts)."""
        text = "".join(t for t, _ in segments)
        flags = []
        for t, trained in segments:
            flags += [bool(trained)] * len(t)
        ids, mask, pos = [self.bos_id], [False], 0
        for part in self.split_re.split(text):
            if part in self.special:
                ids.append(self.special[part])
                mask.append(flags[pos])
            elif part:
                for piece in self.sp.encode(part, out_type="immutable_proto").pieces:
                    ids.append(piece.id)
                    mask.append(flags[pos + min(piece.begin, len(part) - 1)])
            pos += len(part)
        return ids, mask

    def decode(self, ids):
        return self.sp.decode([i for i in ids if i not in self.special.values()])

    def gguf_vocab(self):
        """(tokens, scores, token types) as GGUF tokenizer.ggml.* arrays want them."""
        tokens, scores, types = [], [], []
        for i in range(self.vocab_size):
            tokens.append(self.sp.id_to_piece(i))
            scores.append(float(self.sp.get_score(i)))
            if self.sp.is_unknown(i):
                types.append(UNKNOWN)
            elif self.sp.is_control(i):
                types.append(CONTROL)
            elif self.sp.is_byte(i):
                types.append(BYTE)
            elif self.sp.is_unused(i):
                types.append(UNUSED)
            else:
                types.append(NORMAL)
        return tokens, scores, types


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "train":
        path = train(argv[2], argv[3], int(argv[4]) if len(argv) == 5 else 4096)
        print(path)
        return 0
    if len(argv) == 4 and argv[1] == "encode":
        print(" ".join(map(str, Tokenizer(argv[2]).encode(argv[3]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
