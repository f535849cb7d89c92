// EPUB and HTML loaders on books and pages the Python scripts write (make_epub.py) and on
// hostile archives: a path climbing out of the archive, a zip bomb, a missing container, a
// truncated file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/documents/extract.h"
#include "app/documents/html_text.h"
#include "doc_test_util.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = QUIRE_DOC_FIXTURES;

std::string slice(const Document& d, const Segment& s) {
  return d.text.substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin));
}

TEST(Epub, SpineOrderChaptersAndText) {
  std::ifstream in(kFixtures / "book.json");
  const auto want = nlohmann::json::parse(in);
  std::stop_source ss;
  int reports = 0;
  auto doc = extract(kFixtures / "book.epub", ss.get_token(), {},
                     [&](const ProgressUpdate& u) {
                       EXPECT_EQ(u.unit, "chapters");
                       ++reports;
                     });
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_GT(reports, 0);
  EXPECT_EQ(doc->kind, "epub");
  EXPECT_EQ(doc->title, want["title"].get<std::string>());
  ASSERT_EQ(doc->segments.size(), want["segments"].size());
  int64_t at = 0;
  for (size_t i = 0; i < doc->segments.size(); ++i) {
    const Segment& s = doc->segments[i];
    EXPECT_EQ(s.char_begin, at);
    at = s.char_end;
    EXPECT_EQ(s.chapter, want["segments"][i][0].get<std::string>()) << "segment " << i;
    const std::string phrase = want["segments"][i][1].get<std::string>();
    EXPECT_NE(slice(*doc, s).find(phrase), std::string::npos)
        << "segment " << i << " lacks '" << phrase << "' in: " << slice(*doc, s);
  }
  EXPECT_EQ(at, int64_t(doc->text.size()));
  for (const auto& absent : want["absent"]) {
    EXPECT_EQ(doc->text.find(absent.get<std::string>()), std::string::npos) << absent;
  }
}

TEST(Epub, PathOutsideTheArchiveIsRefused) {
  std::stop_source ss;
  auto doc = extract(kFixtures / "escape.epub", ss.get_token());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Errc::corrupt_data);
  EXPECT_NE(doc.error().message.find("outside the archive"), std::string::npos) << doc.error().message;
}

TEST(Epub, ZipBombStopsAtTheUnpackCap) {
  // bomb.epub unpacks to 64 MiB from 66 KiB; a 16 MiB cap must stop it while inflating.
  ExtractOptions opt;
  opt.max_total_bytes = 16 << 20;
  std::stop_source ss;
  auto doc = extract(kFixtures / "bomb.epub", ss.get_token(), opt);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("zip bomb"), std::string::npos) << doc.error().message;
}

TEST(Epub, MissingContainerTruncatedAndTooManyEntries) {
  std::stop_source ss;
  auto none = extract(kFixtures / "no_container.epub", ss.get_token());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("container.xml"), std::string::npos);

  testing::TempDir dir("epub-cut");
  std::ifstream in(kFixtures / "book.epub", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  testing::write_file(dir.path() / "cut.epub", bytes.substr(0, bytes.size() / 2));
  auto cut = extract(dir.path() / "cut.epub", ss.get_token());
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, Errc::corrupt_data);

  ExtractOptions opt;
  opt.max_archive_entries = 3;
  auto many = extract(kFixtures / "book.epub", ss.get_token(), opt);
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find("more than 3 entries"), std::string::npos);
}

TEST(HtmlText, BlocksEntitiesPreAndSkippedElements) {
  const HtmlText h = html_to_text(
      "<html><head><title>T &amp; U</title><script>x<y</script></head><body>"
      "<h1>Top</h1><p>a  b<br>c &lt;d&gt; &#233;&#xE9; &bogus; 5 < 6</p>"
      "<pre>  keep\n   this</pre><!-- gone --><table><tr><td>1</td><td>2</td></tr></table>"
      "<h2></h2><p>end</p></body></html>");
  EXPECT_EQ(h.title, "T & U");
  EXPECT_EQ(h.text,
            "Top\n\na b\nc <d> \xC3\xA9\xC3\xA9 &bogus; 5 < 6\n\n  keep\n   this\n\n1 2\n\nend\n");
  ASSERT_EQ(h.headings.size(), 1u);
  EXPECT_EQ(h.headings[0].text, "Top");
  EXPECT_EQ(h.headings[0].offset, 0);
}

TEST(HtmlText, NeverFailsOnBrokenMarkup) {
  for (const char* s : {"<", "<p", "<<<>>>", "&#", "&#x110000;", "<script>", "<h1>a", "</>",
                        "<a href='x>y'>z</a>", "<![CDATA[q"}) {
    const HtmlText h = html_to_text(s);
    for (const HtmlHeading& hd : h.headings) EXPECT_LE(hd.offset, int64_t(h.text.size()));
  }
  EXPECT_EQ(html_to_text("<a href='x>y'>z</a>").text, "z\n");
  EXPECT_EQ(html_to_text("<![CDATA[q").text, "q\n");
}

TEST(HtmlLoader, SectionsByHeadingWithTitle) {
  testing::TempDir dir("html");
  testing::write_file(dir.path() / "page.html",
                      "<title>Page</title><p>lead</p><h1>One</h1><p>x</p><h2>Two</h2><p>y</p>");
  std::stop_source ss;
  auto doc = extract(dir.path() / "page.html", ss.get_token());
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->kind, "html");
  EXPECT_EQ(doc->title, "Page");
  ASSERT_EQ(doc->segments.size(), 3u);
  EXPECT_EQ(doc->segments[0].chapter, "");
  EXPECT_EQ(slice(*doc, doc->segments[0]), "lead\n\n");
  EXPECT_EQ(doc->segments[1].chapter, "One");
  EXPECT_EQ(slice(*doc, doc->segments[1]), "One\n\nx\n\n");
  EXPECT_EQ(doc->segments[2].chapter, "Two");
  EXPECT_EQ(slice(*doc, doc->segments[2]), "Two\n\ny\n");
}

}  // namespace
}  // namespace quire::app
