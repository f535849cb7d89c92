#!/usr/bin/python3
"""Writes a small multi-page sample PDF for tests/ui/screenshots.sh: a title page and chapters of
plain prose with one distinctive sentence (the "lighthouse") on page 3, so that find and the
question in the screenshots have something to land on. Usage: make_sample_pdf.py OUT.pdf"""
import sys

from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

PROSE = ("The harbour town woke slowly. Fishing boats rocked against the quay while gulls argued "
         "over the morning catch, and the baker on the corner opened his shutters to the smell of "
         "salt and bread. ")


def main(out):
    styles = getSampleStyleSheet()
    story = [Paragraph("The Harbour Book", styles["Title"]),
             Paragraph("A sample document for Quire's screenshots.", styles["Italic"]),
             PageBreak()]
    for chapter in range(1, 5):
        story.append(Paragraph(f"Chapter {chapter}", styles["Heading1"]))
        for paragraph in range(4):
            text = PROSE * 2
            if chapter == 2 and paragraph == 1:
                text += ("The old lighthouse keeper said the lamp was first lit in 1871 and has "
                         "not failed a single night since. ")
            story.append(Paragraph(text, styles["BodyText"]))
            story.append(Spacer(1, 6))
        story.append(PageBreak())
    SimpleDocTemplate(out, pagesize=A5, title="The Harbour Book").build(story)


if __name__ == "__main__":
    main(sys.argv[1])
