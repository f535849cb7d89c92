"""Shared pieces of the Python byte-level BPE reference: the GPT-2 byte alphabet and the
pre-tokenizer patterns. Written from the GPT-2 paper's description and the published Llama 3
tokenizer.json; independent of Quire's C++ code (which uses PCRE2, this uses the `regex` module).
"""
import regex

# Llama 3 (tokenizer.ggml.pre = "llama-bpe") and GPT-2 ("default"/"gpt2") pre-tokenizers.
LLAMA3_PATTERN = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|"
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"


def pattern_for(pre):
    if pre in ("llama-bpe", "llama3", "smaug-bpe"):
        return regex.compile(LLAMA3_PATTERN)
    if pre in ("", "default", "gpt2"):
        return regex.compile(GPT2_PATTERN)
    raise ValueError("unknown pre-tokenizer " + pre)


def bytes_to_unicode():
    """byte -> one printable character; printable Latin-1 bytes stand for themselves."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE_CHAR = bytes_to_unicode()


def to_byte_level(text):
    return "".join(BYTE_CHAR[b] for b in text.encode("utf-8"))
