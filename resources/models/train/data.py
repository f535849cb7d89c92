#!/usr/bin/python3
"""Training data for Quire's demo model: Debian-packaged free text plus generated long-document
question-answering tasks, chat-formatted (ChatML, what engine/tokenizer/chat_template.h renders).

Sources (public domain or free; their packages are in .ci/install-deps):
  kjv    bible-kjv: the King James Bible (1611, public domain), read with `bible -f`
  devil  dict-devil: Bierce's Devil's Dictionary (public domain)
  gcide  dict-gcide: GNU Collaborative International Dictionary of English (GPL-2+, with the
         1913 Webster, public domain); its use is stated in the model's general.license note
Every 10th document of each source is held out (split "heldout"), the rest is "train".

Tasks (each an Example of (text, trained) segments; `trained` marks the tokens with loss):
  text     natural text, loss on every token
  needle   facts planted at random depths in long natural text with distractor facts about other
           names and other attributes; who / what / which number questions, short answers
  code     a generated source tree ("=== path ===" files); one file defines the asked constant,
           other files define near-miss names; which-file / which-number questions
  kv       a dense drill of key-value pairs where keys repeat; loss on the value of every repeat
Determinism: example i of split s under seed S depends only on (S, s, i) and the sources, through
random.Random(f"{S}:{s}:{i}") (string seeds are hashed with SHA-512, stable across runs).

  data.py sources OUT_DIR [--small]  read the Debian texts into OUT_DIR/sources.json + corpus.txt
                                     (--small: 40 documents per source, for tests)
  data.py sample SOURCES.json N  print N chat-formatted examples (for eyeballing)
"""
import gzip
import json
import os
import random
import re
import subprocess
import sys

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [IM_START, IM_END]
SYSTEM_PROMPT = ("You read the whole document the user gives you and answer the question about it "
                 "with a short answer taken from the document.")
TASKS = ("text", "needle", "code", "kv")
HELDOUT_EVERY = 10


# ---- sources -------------------------------------------------------------------------------
def read_kjv():
    """One document per chapter: 'Book C' header line, then its verses as one paragraph each."""
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0 or not out.stdout:
        raise RuntimeError("`bible -f Gen1:1-Rev22:21` failed; install bible-kjv "
                           f"(apt-get install bible-kjv): {out.stderr.strip()}")
    chapters, current, key = [], [], None
    for line in out.stdout.splitlines():
        m = re.match(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        if (m.group(1), m.group(2)) != key:
            if current:
                chapters.append(current)
            key, current = (m.group(1), m.group(2)), []
        current.append(m.group(4).strip())
    if current:
        chapters.append(current)
    return chapters


def read_dictd(path, max_entries=None):
    """Entries of a dictd .dict.dz (gzip-compatible); one paragraph per entry, markup kept plain."""
    if not os.path.exists(path):
        raise RuntimeError(f"{path} is missing; install the dict-* package that ships it")
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    entries = []
    for block in re.split(r"\n\s*\n", text):
        body = " ".join(line.strip() for line in block.splitlines()).strip()
        if len(body) > 40 and not body.startswith("00-database") and "Wiretap" not in body:
            entries.append(body)
        if max_entries and len(entries) >= max_entries:
            break
    # dictionaries have no long documents: group consecutive entries into pages of 40
    return [entries[i:i + 40] for i in range(0, len(entries), 40)]


def build_sources(out_dir, gcide_entries=60000, max_docs=None, n_generated=3000):
    """Writes sources.json ({split: {source: [[paragraph...]...]}}) and corpus.txt for spm_train.
    max_docs caps the documents per source (small test builds)."""
    docs = {"kjv": read_kjv(),
            "devil": read_dictd("/usr/share/dictd/devil.dict.dz"),
            "gcide": read_dictd("/usr/share/dictd/gcide.dict.dz", gcide_entries)}
    docs = {k: v[:max_docs] for k, v in docs.items()}
    split = {"train": {}, "heldout": {}}
    for name, items in docs.items():
        split["train"][name] = [d for i, d in enumerate(items) if i % HELDOUT_EVERY]
        split["heldout"][name] = [d for i, d in enumerate(items) if i % HELDOUT_EVERY == 0]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "sources.json"), "w", encoding="utf-8") as f:
        json.dump(split, f)
    with open(os.path.join(out_dir, "corpus.txt"), "w", encoding="utf-8") as f:
        for docs_of in split["train"].values():
            for d in docs_of:
                f.write("\n".join(d) + "\n")
        rng = random.Random("corpus")  # generated task text, so its words get pieces too
        for i in range(n_generated):
            f.write(render(make_example(split["train"], TASKS[1 + i % 3], rng, 1500)) + "\n")
    return split


def load_sources(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---- generated vocabulary ----------------------------------------------------------------------
SYLLABLES = ["ka", "lo", "mi", "ran", "tesh", "vor", "el", "dun", "bri", "sa", "quel", "thar",
             "ny", "oss", "pel", "gar", "fen", "ri", "zo", "wim", "cal", "dre", "mor", "ith"]
TITLES = ["Captain", "Doctor", "Lady", "Master", "Sister", "Judge", "Elder", "Baron"]
PLACES = ["mill", "lighthouse", "orchard", "granary", "chapel", "harbor", "tower", "cellar",
          "library", "bridge", "forge", "market"]
OBJECTS = ["a silver compass", "a red ledger", "an iron key", "a glass bell", "a map of the coast",
           "a bag of salt", "a brass lamp", "a sealed letter", "a wooden flute", "a jade ring"]
ATTRS = ["secret number", "room number", "ticket number", "locker code", "lucky number"]
MODULES = ["net", "store", "ui", "core", "io", "auth", "cache", "report", "parse", "sched"]
STEMS = ["client", "server", "queue", "index", "writer", "reader", "config", "worker", "table",
         "codec", "pool", "router"]
CONSTS = ["MAX_RETRIES", "TIMEOUT_SECONDS", "BUFFER_SIZE", "PORT", "BATCH_LIMIT", "POOL_SIZE",
          "CACHE_TTL", "PAGE_SIZE", "MAX_DEPTH", "BACKOFF_MS"]


def name_of(rng):
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{rng.choice(TITLES)} {word.capitalize()}"


def distinct(rng, make, n):
    seen = []
    while len(seen) < n:
        x = make(rng)
        if x not in seen:
            seen.append(x)
    return seen


# ---- examples ----------------------------------------------------------------------------------
class Example:
    """kind: a TASKS name; segments: [(text, trained)]; answer: the expected reply ('' for text);
    messages: [(role, content)] of a chat example (None otherwise), the input the engine's ChatML
    renderer turns into exactly the text of the segments."""

    def __init__(self, kind, segments, answer="", messages=None):
        self.kind, self.segments, self.answer, self.messages = kind, segments, answer, messages

    def to_json(self):
        return {"kind": self.kind, "segments": self.segments, "answer": self.answer,
                "messages": self.messages}


def chat(kind, document, question, answer):
    """ChatML with the loss on the answer and its closing <|im_end|> only."""
    user = f"{document}\n\nQuestion: {question}"
    prompt = (f"{IM_START}system\n{SYSTEM_PROMPT}{IM_END}\n"
              f"{IM_START}user\n{user}{IM_END}\n"
              f"{IM_START}assistant\n")
    return Example(kind, [(prompt, False), (answer + IM_END, True), ("\n", False)], answer,
                   [("system", SYSTEM_PROMPT), ("user", user), ("assistant", answer)])


def render(ex):
    return "".join(text for text, _ in ex.segments)


def natural_paragraphs(sources, rng, n_chars):
    """Contiguous paragraphs from one randomly chosen document run, about n_chars long (a long
    paragraph is cut at a word boundary so that short budgets stay short)."""
    names = sorted(sources)
    src = sources[rng.choice(names)]
    i, j = rng.randrange(len(src)), 0
    out, total = [], 0
    while total < n_chars:
        doc = src[(i + j) % len(src)]
        for p in doc:
            if total + len(p) > n_chars:
                p = p[:max(0, n_chars - total)].rsplit(" ", 1)[0] or p[:n_chars - total]
            out.append(p)
            total += len(p) + 1
            if total >= n_chars:
                break
        j += 1
    return out


def plant(paragraphs, facts, rng):
    """Inserts each fact as its own paragraph at a random depth."""
    out = list(paragraphs)
    for fact in facts:
        out.insert(rng.randint(0, len(out)), fact)
    return "\n".join(out)


def needle(sources, rng, n_chars):
    """n_chars counts the planted facts too; short documents get fewer distractors."""
    names = distinct(rng, name_of, 2 + min(2, n_chars // 2000))
    form = rng.choice(["number", "who", "what"])
    if form == "number":
        attr = rng.choice(ATTRS)
        values = distinct(rng, lambda r: str(r.randint(100, 99999)), len(names))
        facts = [f"The {attr} of {n} is {v}." for n, v in zip(names, values)]
        facts.append(f"The {rng.choice([a for a in ATTRS if a != attr])} of {names[0]} is "
                     f"{rng.randint(100, 99999)}.")  # same person, another attribute
        question, answer = f"What is the {attr} of {names[0]}?", values[0]
    elif form == "who":
        places = rng.sample(PLACES, len(names))
        facts = [f"{n} keeps the key to the {p}." for n, p in zip(names, places)]
        question, answer = f"Who keeps the key to the {places[0]}?", names[0]
    else:
        places, objs = rng.sample(PLACES, len(names)), rng.sample(OBJECTS, len(names))
        facts = [f"{n} buried {o} under the {p}." for n, o, p in zip(names, objs, places)]
        facts.append(f"{names[1]} buried {objs[1]} beside the {places[0]}.")
        question, answer = f"What did {names[0]} bury under the {places[0]}?", objs[0]
    rng.shuffle(facts)
    rest = n_chars - sum(len(f) + 1 for f in facts)
    doc = plant(natural_paragraphs(sources, rng, rest) if rest > 0 else [], facts, rng)
    return chat("needle", doc, question, answer)


def source_file(rng, path, consts):
    """A small generated Python file defining `consts` ({name: value}) among filler functions."""
    lines = [f'"""{path}: {rng.choice(STEMS)} helpers."""', "import os", ""]
    for name, value in consts.items():
        lines.append(f"{name} = {value}")
    for _ in range(rng.randint(1, 4)):
        fn = f"{rng.choice(['load', 'make', 'check', 'send', 'read', 'merge'])}_{rng.choice(STEMS)}"
        arg = rng.choice(["path", "items", "count", "conn", "text"])
        lines += ["", "", f"def {fn}({arg}):",
                  f"    if not {arg}:", f"        return None",
                  f"    return len({arg}) + {rng.randint(0, 9)}"]
    return "\n".join(lines) + "\n"


def code(sources, rng, n_chars):
    del sources  # generated text only
    target = rng.choice(CONSTS)
    files, total, answer_path, value = [], 0, None, str(rng.randint(2, 9999))
    paths = set()
    while total < n_chars or answer_path is None:
        path = f"src/{rng.choice(MODULES)}/{rng.choice(STEMS)}.py"
        if path in paths:
            continue
        paths.add(path)
        consts = {c: rng.randint(2, 9999) for c in rng.sample([c for c in CONSTS if c != target], 2)}
        last_fit = (len(files) + 1) * 400 >= n_chars  # ~400 characters a file: plant it now
        if answer_path is None and (total >= n_chars * rng.random() or last_fit or len(paths) > 200):
            answer_path = path
            consts[target] = value
        elif rng.random() < 0.5:  # near-miss distractor: same stem, other prefix
            consts[f"DEFAULT_{target}"] = rng.randint(2, 9999)
        body = source_file(rng, path, consts)
        files.append(f"=== {path} ===\n{body}")
        total += len(files[-1])
    if rng.random() < 0.5:
        return chat("code", "\n".join(files), f"Which file defines {target}?", answer_path)
    return chat("code", "\n".join(files), f"What is the value of {target}?", value)


def kv_drill(sources, rng, n_chars):
    """'key: value' lines; a key seen before repeats its value, and every repeat is trained."""
    del sources
    n_keys = max(4, n_chars // 60)
    keys = distinct(rng, lambda r: "".join(r.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4)), n_keys)
    values = {k: str(rng.randint(0, 9999)) for k in keys}
    seen, segments, total = set(), [("Remember each key and its value.\n", False)], 0
    while total < n_chars:
        k = rng.choice(keys)
        segments.append((f"{k}: ", False))
        segments.append((values[k], k in seen))
        segments.append(("\n", False))
        seen.add(k)
        total += len(k) + len(values[k]) + 3
    return Example("kv", segments)


def text(sources, rng, n_chars):
    return Example("text", [("\n".join(natural_paragraphs(sources, rng, n_chars)), True)])


MAKERS = {"text": text, "needle": needle, "code": code, "kv": kv_drill}


def make_example(sources, kind, rng, n_chars):
    """sources: {source: [[paragraph]]} of one split; n_chars: about how long the document is."""
    return MAKERS[kind](sources, rng, n_chars)


def example_at(sources, seed, split, index, n_chars, mix):
    """The index-th example of a split; mix: {kind: weight}. Deterministic in (seed, split, index)."""
    rng = random.Random(f"{seed}:{split}:{index}")
    kinds = sorted(mix)
    kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
    return make_example(sources[split], kind, rng, n_chars)


def main(argv):
    if len(argv) in (3, 4) and argv[1] == "sources":
        small = argv[3:] == ["--small"]
        if len(argv) == 4 and not small:
            print(__doc__, file=sys.stderr)
            return 2
        split = (build_sources(argv[2], gcide_entries=2000, max_docs=40, n_generated=200)
                 if small else build_sources(argv[2]))
        for name, split_docs in split.items():
            print(name, {k: len(v) for k, v in split_docs.items()})
        return 0
    if len(argv) == 4 and argv[1] == "sample":
        sources = load_sources(argv[2])
        mix = {k: 1 for k in TASKS}
        for i in range(int(argv[3])):
            ex = example_at(sources, 0, "train", i, 600, mix)
            print(json.dumps(ex.to_json(), ensure_ascii=False))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
