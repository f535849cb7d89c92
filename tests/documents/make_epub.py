#!/usr/bin/python3
"""Writes the EPUBs the document tests read, with Python's zipfile module.

Usage: make_epub.py OUT_DIR

  book.epub      EPUB 3: three spine chapters (the spine order differs from the manifest and
                 file-name order on purpose), headings, entities, a non-linear item, and an
                 image the loader must not unpack.
  escape.epub    a spine item whose href climbs out of the archive ("../../etc/passwd").
  bomb.epub      a chapter of 64 MiB of spaces that deflates to ~64 KiB.
  no_container.epub  a zip without META-INF/container.xml.
  book.json      what the tests must find: chapter titles and phrases in reading order.
"""
import json
import os
import sys
import zipfile

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def opf(title, items, spine):
    manifest = "\n".join(f'<item id="{i}" href="{h}" media-type="application/xhtml+xml"/>'
                         for i, h in items)
    refs = "\n".join(f'<itemref idref="{i}"{extra}/>' for i, extra in spine)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">quire-test</dc:identifier><dc:title>{title}</dc:title><dc:language>en</dc:language>
</metadata>
<manifest>
{manifest}
<item id="img" href="images/cover.png" media-type="image/png"/>
</manifest>
<spine>
{refs}
</spine>
</package>"""


def xhtml(title, body):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title>
<style>p {{ color: red; }}</style></head>
<body>{body}</body></html>"""


def write(path, files, compress=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", zipfile.ZIP_STORED)
        for name, data in files:
            z.writestr(name, data, compress)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    chapters = [
        ("c_intro", "a_intro.xhtml", "Front matter",
         "<p>Before any heading.</p><h1>Introduction</h1><p>Quire reads &amp; cites "
         "&#x201C;whole&#x201D; books.</p>"),
        ("c_one", "z_one.xhtml", "Chapter One",
         "<h1>The First Chapter</h1><p>It was a   dark\n and stormy night.</p>"
         "<h2>A Section</h2><ul><li>first item</li><li>second item</li></ul>"
         "<script>var hidden = 'never shown';</script>"),
        ("c_two", "m_two.xhtml", "Chapter Two",
         "<p>Continuing without a heading.</p><h1>The Last Chapter</h1><p>The end.</p>"),
    ]
    items = [(i, "text/" + f) for i, f, _, _ in chapters] + [("notes", "text/notes.xhtml")]
    spine = [("c_intro", ""), ("c_one", ""), ("notes", ' linear="no"'), ("c_two", "")]
    files = [("META-INF/container.xml", CONTAINER), ("OEBPS/content.opf", opf("A Test Book", items, spine))]
    files += [("OEBPS/text/" + f, xhtml(t, b)) for _, f, t, b in chapters]
    files += [("OEBPS/text/notes.xhtml", xhtml("Notes", "<p>Non-linear notes.</p>")),
              ("OEBPS/images/cover.png", b"\x89PNG\r\n\x1a\n" + bytes(1000))]
    write(os.path.join(out, "book.epub"), files)

    escape = [("META-INF/container.xml", CONTAINER),
              ("OEBPS/content.opf", opf("Escape", [("x", "../../etc/passwd.xhtml")], [("x", "")]))]
    write(os.path.join(out, "escape.epub"), escape)

    bomb_body = "<p>" + " " * (64 << 20) + "</p>"
    bomb = [("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", opf("Bomb", [("b", "b.xhtml")], [("b", "")])),
            ("OEBPS/b.xhtml", xhtml("Bomb", bomb_body))]
    write(os.path.join(out, "bomb.epub"), bomb)

    write(os.path.join(out, "no_container.epub"), [("OEBPS/a.xhtml", xhtml("A", "<p>a</p>"))])

    expected = {
        "title": "A Test Book",
        # (chapter, phrase) in reading order: the spine's, not the manifest's or the names'.
        "segments": [
            ["Front matter", "Before any heading."],
            ["Introduction", "Quire reads & cites \u201cwhole\u201d books."],
            ["The First Chapter", "It was a dark and stormy night."],
            ["A Section", "- first item\n- second item"],
            ["Chapter Two", "Continuing without a heading."],
            ["The Last Chapter", "The end."],
        ],
        "absent": ["never shown", "Non-linear notes.", "color: red"],
    }
    with open(os.path.join(out, "book.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
