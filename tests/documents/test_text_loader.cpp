#include <gtest/gtest.h>

#include <string>

#include "app/documents/extract.h"
#include "app/documents/text_loader.h"
#include "doc_test_util.h"

namespace quire::app {
namespace {
using testing::TempDir;
using testing::write_file;

std::string slice(const Document& d, const Segment& s) {
  return d.text.substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin));
}

// Segments must tile the text: in order, no gaps, no overlaps.
void expect_tiled(const Document& d) {
  int64_t at = 0;
  for (const Segment& s : d.segments) {
    EXPECT_EQ(s.char_begin, at);
    EXPECT_LE(s.char_begin, s.char_end);
    at = s.char_end;
  }
  EXPECT_EQ(at, int64_t(d.text.size()));
}

TEST(TextLoader, MarkdownSplitsAtHeadingsOutsideFences) {
  const std::string md =
      "Intro line\n\n# First Part #\nbody 1\n```\n# not a heading\n```\n## Second\nbody 2\n";
  const Document d = segment_text(md, true);
  ASSERT_EQ(d.segments.size(), 3u);
  expect_tiled(d);
  EXPECT_EQ(d.title, "First Part");
  EXPECT_EQ(d.segments[0].chapter, "");
  EXPECT_EQ(slice(d, d.segments[0]), "Intro line\n\n");
  EXPECT_EQ(d.segments[1].chapter, "First Part");
  EXPECT_EQ(d.segments[1].line_start, 3);
  EXPECT_EQ(d.segments[1].line_end, 7);
  EXPECT_EQ(d.segments[2].chapter, "Second");
  EXPECT_EQ(slice(d, d.segments[2]), "## Second\nbody 2\n");
}

TEST(TextLoader, PlainTextBlocksHaveExactLineRanges) {
  std::string text;
  for (int i = 1; i <= 150; ++i) text += "line " + std::to_string(i) + (i % 40 == 0 ? "\n\n" : "\n");
  const Document d = segment_text(text, false);
  expect_tiled(d);
  ASSERT_GE(d.segments.size(), 3u);
  int next_line = 1;
  for (const Segment& s : d.segments) {
    EXPECT_EQ(s.line_start, next_line);
    EXPECT_LE(s.line_end - s.line_start + 1, kTextBlockLines);
    next_line = s.line_end + 1;
  }
  // The first block stops at the blank line after "line 40" (line 41 of the file).
  EXPECT_EQ(d.segments[0].line_end, 41);
  EXPECT_EQ(next_line - 1, 153);  // 150 lines + 3 blank ones
}

TEST(TextLoader, DetectsUtf16AndLatin1Files) {
  TempDir dir("text-enc");
  write_file(dir.path() / "u16.txt", std::string("\xFF\xFEh\0\xE9\0\n\0", 8));
  write_file(dir.path() / "latin.txt", "caf\xE9\n");
  std::stop_source ss;
  auto a = extract(dir.path() / "u16.txt", ss.get_token());
  auto b = extract(dir.path() / "latin.txt", ss.get_token());
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->text, "h\xC3\xA9\n");
  EXPECT_EQ(b->text, "caf\xC3\xA9\n");
  EXPECT_EQ(a->kind, "text");
  EXPECT_EQ(a->title, "u16");
}

TEST(TextLoader, MarkdownFileByExtension) {
  TempDir dir("text-md");
  write_file(dir.path() / "notes.md", "# Notes\nhello\n");
  std::stop_source ss;
  ProgressUpdate last;
  auto d = extract(dir.path() / "notes.md", ss.get_token(), {},
                   [&](const ProgressUpdate& u) { last = u; });
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.done, 1);
  EXPECT_EQ(d->kind, "markdown");
  EXPECT_EQ(d->title, "Notes");
  EXPECT_EQ(d->path, (dir.path() / "notes.md").string());
}

TEST(TextLoader, BinaryFileIsRefused) {
  TempDir dir("text-bin");
  write_file(dir.path() / "blob.txt", std::string("\x7F" "ELF\0\0\0", 7));
  std::stop_source ss;
  auto d = extract(dir.path() / "blob.txt", ss.get_token());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::unsupported);
  EXPECT_NE(d.error().message.find("binary"), std::string::npos);
}

}  // namespace
}  // namespace quire::app
