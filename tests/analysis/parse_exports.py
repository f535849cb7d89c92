#!/usr/bin/python3
"""Parses Quire's exports back with Python's own json, csv and html.parser modules (an
independent reader) and checks them against expected.json written by test_export.cpp.
Usage: parse_exports.py DIR   (DIR holds session.{md,html,json,csv}, batch.{csv,html,json} and
expected.json). Exits non-zero with a message on the first mismatch."""
import csv
import html.parser
import json
import os
import sys

d = sys.argv[1]
exp = json.load(open(os.path.join(d, "expected.json"), encoding="utf-8"))


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


# JSON
s = json.load(open(os.path.join(d, "session.json"), encoding="utf-8"))
if s["schema"] != "quire.session_export/1":
    fail("schema")
if [m["text"] for m in s["messages"]] != exp["texts"]:
    fail("json texts")
if s["messages"][1]["span_report"]["effective_span"]["p50"] != exp["p50"]:
    fail("json span report")
if s["messages"][1]["citations"] != exp["citations"]:
    fail("json citations")

# CSV (RFC 4180: the csv module's default dialect reads quoted fields with embedded CRLF/quotes)
with open(os.path.join(d, "session.csv"), newline="", encoding="utf-8") as f:
    raw = f.read()
if not raw.endswith("\r\n"):
    fail("csv line ends")
rows = list(csv.reader(raw.splitlines(keepends=True)))
if rows[0][:3] != ["ordinal", "role", "text"] or len(rows) != 1 + len(exp["texts"]):
    fail("csv shape %r" % rows)
if [r[2] for r in rows[1:]] != exp["texts"]:
    fail("csv texts %r" % [r[2] for r in rows[1:]])
if rows[2][8] != str(exp["p50"]) or rows[1][8] != "":
    fail("csv span %r" % rows)
with open(os.path.join(d, "batch.csv"), newline="", encoding="utf-8") as f:
    brows = list(csv.reader(f))
if [r[0] for r in brows[1:]] != exp["batch_paths"] or brows[1][2] != exp["batch_answer"]:
    fail("batch csv %r" % brows)


# HTML: well nested, no scripts or external references, texts and SVG titles as expected.
class Checker(html.parser.HTMLParser):
    VOID = {"meta", "br", "rect", "line", "img", "hr", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.svgs, self.titles, self.msgs = [], 0, [], []
        self.in_title = self.in_msg = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "img", "iframe") or "src" in a or "href" in a:
            fail("external or script element <%s>" % tag)
        if tag == "svg":
            self.svgs += 1
        if tag == "title" and "svg" in self.stack:
            self.in_title = True
            self.titles.append("")
        if "msg" in (a.get("class") or "").split():
            self.in_msg = True
            self.msgs.append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            fail("unbalanced </%s> in %r" % (tag, self.stack))
        self.stack.pop()
        if tag == "title":
            self.in_title = False
        if tag in ("div", "td"):
            self.in_msg = False

    def handle_data(self, data):
        if self.in_title and self.titles:
            self.titles[-1] += data
        if self.in_msg:
            self.msgs[-1] += data


c = Checker()
c.feed(open(os.path.join(d, "session.html"), encoding="utf-8").read())
c.close()
if c.stack:
    fail("unclosed %r" % c.stack)
if c.svgs != 2:
    fail("expected a heatmap and a histogram, got %d svg" % c.svgs)
# HTML turns CR LF into LF in text (newline normalization), so compare after doing the same.
if c.msgs != [t.replace("\r\n", "\n") for t in exp["texts"]]:
    fail("html texts %r" % c.msgs)
for t in exp["svg_titles"]:
    if t not in c.titles:
        fail("svg title %r not in %r" % (t, c.titles))
b = Checker()
b.feed(open(os.path.join(d, "batch.html"), encoding="utf-8").read())
b.close()
if b.stack or b.msgs != [exp["batch_answer"], exp["batch_error"]]:
    fail("batch html %r" % b.msgs)

md = open(os.path.join(d, "session.md"), newline="", encoding="utf-8").read()
for t in exp["texts"]:
    if t not in md:
        fail("markdown lacks %r" % t)
print("ok")
