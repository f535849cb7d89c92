// Code folders. Which files .gitignore rules keep is checked against git itself
// (`git ls-files --others --exclude-standard` in a scratch repository), an independent reference.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "app/documents/code_loader.h"
#include "app/documents/extract.h"
#include "doc_test_util.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

std::set<std::string> files_read(const Document& d) {
  std::set<std::string> out;
  for (const Segment& s : d.segments) out.insert(s.file);
  return out;
}

std::string reason_for(const Document& d, const std::string& path) {
  for (const Skipped& s : d.skipped) {
    if (s.path == path) return s.reason;
  }
  return {};
}

TEST(CodeLoader, GitignoreRulesAgreeWithGit) {
  TempDir dir("code-git");
  const fs::path r = dir.path();
  write_file(r / ".gitignore", "*.log\n!keep.log\n/out.txt\ngen/\ndocs/**/*.tmp\n");
  write_file(r / "src/.gitignore", "*.bak\n!important.bak\n/local.c\n");
  for (const char* f : {"main.c", "a.log", "keep.log", "out.txt", "sub/out.txt", "gen/x.c",
                        "src/gen/y.c", "src/lib.c", "src/old.bak", "src/important.bak",
                        "src/local.c", "src/deep/local.c", "docs/a/b/c.tmp", "docs/a/b/c.md",
                        "notes/read me.txt"}) {
    write_file(r / f, fmt::format("// {}\n", f));
  }
  bool ok = false;
  const std::string listed = testing::run_command(
      "cd " + testing::shell_quote(r.string()) +
          " && git init -q . && git ls-files --others --exclude-standard", &ok);
  if (!ok) GTEST_SKIP() << "git is not available";
  std::set<std::string> want;
  std::istringstream lines(listed);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line != ".gitignore" && line != "src/.gitignore") want.insert(line);
  }
  std::stop_source ss;
  auto doc = extract(r, ss.get_token());
  ASSERT_TRUE(doc) << doc.error().message;
  std::set<std::string> got = files_read(*doc);
  got.erase(".gitignore");
  got.erase("src/.gitignore");
  EXPECT_EQ(got, want);
  EXPECT_EQ(reason_for(*doc, "a.log"), "ignored by .gitignore");
  EXPECT_EQ(reason_for(*doc, ".git"), "version-control, vendored or build folder");
}

TEST(CodeLoader, StableOrderLineSegmentsAndLanguages) {
  TempDir dir("code-order");
  const fs::path r = dir.path();
  std::string big;
  for (int i = 1; i <= 200; ++i) big += "x = " + std::to_string(i) + "\n";
  write_file(r / "b.py", big);
  write_file(r / "a/z.cpp", "int main() {}");  // no final newline
  write_file(r / "A.md", "# T\n");
  std::stop_source ss;
  auto doc = extract(r, ss.get_token());
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->kind, "code");
  std::vector<std::string> order;
  for (const Segment& s : doc->segments) {
    if (order.empty() || order.back() != s.file) order.push_back(s.file);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"A.md", "a/z.cpp", "b.py"}));
  std::vector<std::pair<int, int>> ranges;
  for (const Segment& s : doc->segments) {
    if (s.file == "b.py") ranges.emplace_back(s.line_start, s.line_end);
    const std::string text = doc->text.substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin));
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), s.line_end - s.line_start + 1);
  }
  EXPECT_EQ(ranges, (std::vector<std::pair<int, int>>{{1, 80}, {81, 160}, {161, 200}}));
  EXPECT_EQ(language_for_path("b.py"), "Python");
  EXPECT_EQ(language_for_path("a/z.cpp"), "C++");
  EXPECT_EQ(language_for_path("x/CMakeLists.txt"), "CMake");
  EXPECT_EQ(language_for_path("LICENSE"), "text");
}

TEST(CodeLoader, SkipsAndReportsBinaryVendoredLargeAndLinkedFiles) {
  TempDir dir("code-skip");
  TempDir outside("code-outside");
  const fs::path r = dir.path();
  write_file(r / "ok.c", "int ok;\n");
  write_file(r / "logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
  write_file(r / "node_modules/pkg/index.js", "x\n");
  write_file(r / "build/gen.c", "x\n");
  write_file(r / "big.txt", std::string(5000, 'a'));
  write_file(outside.path() / "secret.txt", "outside\n");
  fs::create_directory_symlink(r, r / "loop");
  fs::create_symlink(outside.path() / "secret.txt", r / "escape.txt");
  fs::create_symlink(r / "missing", r / "dangling");
  fs::create_symlink(r / "ok.c", r / "alias.c");  // inside the folder: read
  ExtractOptions opt;
  opt.max_code_file_bytes = 4096;
  std::stop_source ss;
  auto doc = extract(r, ss.get_token(), opt);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(files_read(*doc), (std::set<std::string>{"alias.c", "ok.c"}));
  EXPECT_EQ(reason_for(*doc, "logo.png"), "binary file");
  EXPECT_EQ(reason_for(*doc, "node_modules"), "version-control, vendored or build folder");
  EXPECT_EQ(reason_for(*doc, "build"), "version-control, vendored or build folder");
  EXPECT_EQ(reason_for(*doc, "big.txt"), "4.9 KiB, over the 4.0 KiB size cap");
  EXPECT_EQ(reason_for(*doc, "loop"), "symbolic link to a folder (not followed)");
  EXPECT_EQ(reason_for(*doc, "escape.txt"), "symbolic link to a file outside the chosen folder");
  EXPECT_EQ(reason_for(*doc, "dangling"), "broken symbolic link");
}

TEST(CodeLoader, UnreadableFileIsReported) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file; run as a normal user";
  TempDir dir("code-perm");
  write_file(dir.path() / "locked.c", "x\n");
  fs::permissions(dir.path() / "locked.c", fs::perms::none);
  std::stop_source ss;
  auto doc = extract(dir.path(), ss.get_token());
  ASSERT_TRUE(doc);
  EXPECT_NE(reason_for(*doc, "locked.c").find("permission denied"), std::string::npos);
}

TEST(CodeLoader, DepthFileCountAndTotalCaps) {
  TempDir dir("code-caps");
  const fs::path r = dir.path();
  write_file(r / "a/b/c/deep.c", "x\n");
  for (int i = 0; i < 5; ++i) write_file(r / fmt::format("f{}.c", i), "0123456789\n");
  ExtractOptions opt;
  opt.max_depth = 2;
  opt.max_files = 4;
  opt.max_total_bytes = 30;
  std::stop_source ss;
  auto doc = extract(r, ss.get_token(), opt);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(reason_for(*doc, "a/b/c"), "nested deeper than 2 folders");
  EXPECT_EQ(reason_for(*doc, "f4.c"), "past the limit of 4 files");
  EXPECT_EQ(files_read(*doc), (std::set<std::string>{"f0.c", "f1.c"}));
  EXPECT_EQ(reason_for(*doc, "f2.c"), "past the 30 bytes total text cap");
}

TEST(CodeLoader, StopTokenCancels) {
  TempDir dir("code-stop");
  write_file(dir.path() / "a.c", "x\n");
  std::stop_source ss;
  ss.request_stop();
  auto doc = extract(dir.path(), ss.get_token());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Errc::cancelled);
}

}  // namespace
}  // namespace quire::app
