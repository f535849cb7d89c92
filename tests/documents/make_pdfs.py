#!/usr/bin/python3
"""Writes the PDFs the document tests read, with reportlab (python3-reportlab) and qpdf.

Usage: make_pdfs.py OUT_DIR [--large N]

  labeled.pdf     5 pages; labels i, ii, then 1, 2, 3 (page labels); page 2 has the ligature
                  glyphs U+FB01/U+FB02 (DejaVu Sans has them); page 3 has hyphenated line ends;
                  page 4 is image-only (a drawn raster, no text layer); page 5 is plain text.
  image_only.pdf  one page with only a raster image: no text layer anywhere.
  encrypted.pdf   labeled.pdf encrypted by qpdf with AES-256, user password "secret".
  large.pdf       N pages (default 200) of running text, for the benchmark.
  expected.json   what the tests must find: labels and phrases per page, written here from the
                  strings drawn, independently of the code under test.
"""
import json
import os
import subprocess
import sys

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def lines(c, y, texts, size=12):
    c.setFont("DejaVu", size)
    for t in texts:
        c.drawString(72, y, t)
        y -= size * 1.4
    return y


def raster(c):
    # A 64x64 gray gradient as an inline PPM: pure pixels, no text operators.
    import io
    w = h = 64
    data = bytearray(b"P6 64 64 255\n")
    for yy in range(h):
        for xx in range(w):
            v = (xx * 4) % 256
            data += bytes([v, (yy * 4) % 256, 128])
    try:
        img = ImageReader(io.BytesIO(bytes(data)))
    except Exception:  # reportlab needs PIL to read PPM; fall back to vector shapes
        img = None
    if img is not None:
        c.drawImage(img, 72, 400, width=300, height=300)
    else:
        for i in range(20):
            c.setFillGray(i / 20.0)
            c.rect(72 + i * 10, 400, 10, 300, stroke=0, fill=1)


def labeled(path):
    c = canvas.Canvas(path, pagesize=(612, 792))
    c.setTitle("Quire test document")
    c.addPageLabel(0, "ROMAN_LOWER")
    c.addPageLabel(2, "ARABIC", start=1)
    lines(c, 720, ["Preface of the test document.", "Alpha bravo charlie delta."])
    c.showPage()
    lines(c, 720, ["We \ufb01nd the \ufb02ow of \ufb01sh in the \ufb01eld.",
                   "Another line with o\ufb03ce and ba\ufb04e."])
    c.showPage()
    lines(c, 720, ["This sentence shows an exam-", "ple of words broken with hy-",
                   "phens at the end of a line."])
    c.showPage()
    raster(c)
    c.showPage()
    lines(c, 720, ["Final page with the closing words.", "Zulu yankee xray."])
    c.showPage()
    c.save()


def image_only(path):
    c = canvas.Canvas(path, pagesize=(612, 792))
    raster(c)
    c.showPage()
    c.save()


def large(path, pages):
    c = canvas.Canvas(path, pagesize=(612, 792))
    words = ("quire reads whole documents with a local model and answers with citations "
             "to pages and lines ").split()
    k = 0
    for p in range(pages):
        y = 740
        c.setFont("DejaVu", 10)
        while y > 60:
            c.drawString(60, y, " ".join(words[(k + i) % len(words)] for i in range(14)))
            k += 3
            y -= 13
        c.drawString(300, 30, str(p + 1))
        c.showPage()
    c.save()


def main():
    out = sys.argv[1]
    n_large = 200
    if "--large" in sys.argv:
        n_large = int(sys.argv[sys.argv.index("--large") + 1])
    os.makedirs(out, exist_ok=True)
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    labeled(os.path.join(out, "labeled.pdf"))
    image_only(os.path.join(out, "image_only.pdf"))
    large(os.path.join(out, "large.pdf"), n_large)
    subprocess.run(["qpdf", "--encrypt", "secret", "owner-secret", "256", "--",
                    os.path.join(out, "labeled.pdf"), os.path.join(out, "encrypted.pdf")],
                   check=True)
    expected = {
        "labeled.pdf": {
            "pages": 5,
            "labels": ["i", "ii", "1", "2", "3"],
            "phrases": {
                "1": ["Preface of the test document."],
                "2": ["We find the flow of fish in the field.", "office and baffle."],
                "3": ["an example of words broken with hyphens at the end of a line."],
                "4": [],
                "5": ["Final page with the closing words."],
            },
        },
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
