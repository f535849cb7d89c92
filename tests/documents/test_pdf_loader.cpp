// PDF text against pdftotext (poppler-utils), page by page. Normalization applied to BOTH sides
// before comparing, and why:
//   - whitespace runs (spaces, newlines, form feeds) collapse to one space and ends are trimmed:
//     poppler-cpp and pdftotext lay out blank lines between blocks and the final "\f"
//     differently, while the words and their order are what a reader cites;
// and to pdftotext's side only, since Quire repairs these on purpose:
//   - ligature code points U+FB00..U+FB06 become their letters;
//   - a hyphen (or soft hyphen) at a line end between a letter and a lowercase letter is joined.
// Page numbers are compared exactly: segment i has page i + 1 and pdftotext -f/-l i + 1.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/documents/extract.h"
#include "app/documents/pdf_loader.h"
#include "doc_test_util.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;
using testing::run_command;
using testing::shell_quote;

const fs::path kFixtures = QUIRE_DOC_FIXTURES;

std::string collapse_whitespace(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string normalize_reference(std::string s) {
  const std::pair<std::string, std::string> ligatures[] = {
      {"\xEF\xAC\x80", "ff"}, {"\xEF\xAC\x81", "fi"},  {"\xEF\xAC\x82", "fl"},
      {"\xEF\xAC\x83", "ffi"}, {"\xEF\xAC\x84", "ffl"}, {"\xEF\xAC\x85", "st"},
      {"\xEF\xAC\x86", "st"}};
  for (const auto& [from, to] : ligatures) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at)) {
      s.replace(at, from.size(), to);
    }
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool hyphen = s[i] == '-' && i + 2 < s.size() && s[i + 1] == '\n' && !out.empty() &&
                        std::isalpha(static_cast<unsigned char>(out.back())) &&
                        std::islower(static_cast<unsigned char>(s[i + 2]));
    if (hyphen) {
      ++i;  // drop "-\n"; the rest of the word follows directly
      continue;
    }
    out.push_back(s[i]);
  }
  return collapse_whitespace(out);
}

std::string pdftotext_page(const fs::path& pdf, int page, const std::string& password = {}) {
  bool ok = false;
  std::string cmd = "pdftotext -q -enc UTF-8 -f " + std::to_string(page) + " -l " +
                    std::to_string(page) + " ";
  if (!password.empty()) cmd += "-upw " + shell_quote(password) + " ";
  const std::string out = run_command(cmd + shell_quote(pdf.string()) + " -", &ok);
  EXPECT_TRUE(ok) << "pdftotext failed on " << pdf << " page " << page;
  return out;
}

void expect_pages_match_pdftotext(const Document& doc, const fs::path& pdf,
                                  const std::string& password = {}) {
  ASSERT_EQ(int(doc.segments.size()), doc.pages);
  for (int i = 0; i < doc.pages; ++i) {
    const Segment& s = doc.segments[size_t(i)];
    ASSERT_TRUE(s.page.has_value());
    EXPECT_EQ(*s.page, i + 1);
    const std::string ours = collapse_whitespace(
        doc.text.substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin)));
    EXPECT_EQ(ours, normalize_reference(pdftotext_page(pdf, i + 1, password)))
        << pdf << " page " << i + 1;
  }
}

nlohmann::json expected() {
  std::ifstream in(kFixtures / "expected.json");
  return nlohmann::json::parse(in);
}

TEST(PdfLoader, GeneratedPdfMatchesPdftotextPageByPage) {
  std::stop_source ss;
  const fs::path pdf = kFixtures / "labeled.pdf";
  auto doc = extract(pdf, ss.get_token());
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->kind, "pdf");
  EXPECT_EQ(doc->title, "Quire test document");
  const auto want = expected()["labeled.pdf"];
  ASSERT_EQ(doc->pages, want["pages"].get<int>());
  expect_pages_match_pdftotext(*doc, pdf);
}

TEST(PdfLoader, LigaturesHyphensAndLabelsAreRepaired) {
  std::stop_source ss;
  auto doc = extract(kFixtures / "labeled.pdf", ss.get_token());
  ASSERT_TRUE(doc) << doc.error().message;
  const auto want = expected()["labeled.pdf"];
  for (int i = 0; i < doc->pages; ++i) {
    const Segment& s = doc->segments[size_t(i)];
    const std::string label = want["labels"][size_t(i)].get<std::string>();
    // A label equal to the physical number is not repeated (document.h): only "i", "ii" and
    // the arabic labels that differ from their page number are stored.
    EXPECT_EQ(s.page_label, label == std::to_string(i + 1) ? "" : label) << "page " << i + 1;
    const std::string text = collapse_whitespace(
        doc->text.substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin)));
    for (const auto& phrase : want["phrases"][std::to_string(i + 1)]) {
      EXPECT_NE(text.find(phrase.get<std::string>()), std::string::npos)
          << "page " << i + 1 << " lacks '" << phrase.get<std::string>() << "' in: " << text;
    }
  }
  // The image-only page 4 keeps its place with an empty segment.
  EXPECT_EQ(doc->segments[3].char_begin, doc->segments[3].char_end);
}

TEST(PdfLoader, RealPdfFromDebianDocumentation) {
  // libtasn1-doc ships a 36-page Texinfo manual with roman and "T-" page labels.
  const fs::path pdf = "/usr/share/doc/libtasn1-doc/libtasn1.pdf";
  if (!fs::exists(pdf)) GTEST_SKIP() << pdf << " missing: install libtasn1-doc (.ci/install-deps)";
  std::stop_source ss;
  int reports = 0;
  ProgressSink sink = [&](const ProgressUpdate& u) {
    EXPECT_EQ(u.unit, "pages");
    ++reports;
  };
  auto doc = extract(pdf, ss.get_token(), {}, sink);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_GT(reports, 0);
  EXPECT_EQ(doc->pages, 36);
  EXPECT_EQ(doc->segments[0].page_label, "T-1");
  expect_pages_match_pdftotext(*doc, pdf);
}

TEST(PdfLoader, EncryptedPdfNeedsItsPassword) {
  std::stop_source ss;
  const fs::path pdf = kFixtures / "encrypted.pdf";
  auto locked = extract(pdf, ss.get_token());
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, Errc::permission_denied);
  EXPECT_NE(locked.error().message.find("encrypted"), std::string::npos);
  EXPECT_NE(locked.error().message.find("password"), std::string::npos);

  ExtractOptions wrong;
  wrong.password = "not-it";
  auto bad = extract(pdf, ss.get_token(), wrong);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("does not open"), std::string::npos);

  ExtractOptions right;
  right.password = "secret";
  auto doc = extract(pdf, ss.get_token(), right);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->pages, 5);
  expect_pages_match_pdftotext(*doc, pdf, "secret");
}

TEST(PdfLoader, ImageOnlyPdfSaysOcrIsNotSupported) {
  std::stop_source ss;
  auto doc = extract(kFixtures / "image_only.pdf", ss.get_token());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Errc::unsupported);
  EXPECT_NE(doc.error().message.find("OCR is not supported"), std::string::npos);
}

TEST(PdfLoader, BrokenAndFakePdfsGiveClearErrors) {
  std::stop_source ss;
  testing::TempDir dir("pdf-broken");
  // The first 600 bytes of a real PDF: a header and no cross-reference table or pages.
  std::ifstream in(kFixtures / "labeled.pdf", std::ios::binary);
  std::string head(600, '\0');
  in.read(head.data(), 600);
  testing::write_file(dir.path() / "cut.pdf", head);
  testing::write_file(dir.path() / "fake.pdf", "this is not a pdf at all\n");
  auto cut = extract(dir.path() / "cut.pdf", ss.get_token());
  auto fake = extract(dir.path() / "fake.pdf", ss.get_token());
  ASSERT_FALSE(cut);
  ASSERT_FALSE(fake);
  EXPECT_EQ(cut.error().code, Errc::corrupt_data);
  EXPECT_NE(fake.error().message.find("not a PDF"), std::string::npos);
}

TEST(PdfLoader, StopTokenCancels) {
  std::stop_source ss;
  ss.request_stop();
  auto doc = extract(kFixtures / "labeled.pdf", ss.get_token());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Errc::cancelled);
}

TEST(PdfRepair, LigaturesHyphensAndLineEnds) {
  EXPECT_EQ(repair_pdf_text("\xEF\xAC\x81nd \xEF\xAC\x83" "ce\r\n"), "find ffice\n");
  EXPECT_EQ(repair_pdf_text("an exam-\nple here\nnext"), "an example\nhere\nnext\n");
  EXPECT_EQ(repair_pdf_text("soft\xC2\xAD\nly done"), "softly\ndone\n");
  EXPECT_EQ(repair_pdf_text("Jean-\nPaul 1990-\n2000"), "Jean-\nPaul 1990-\n2000\n");
  EXPECT_EQ(repair_pdf_text("page\f\n \n"), "page\n");
  EXPECT_EQ(repair_pdf_text(" \n\f"), "");
}

}  // namespace
}  // namespace quire::app
