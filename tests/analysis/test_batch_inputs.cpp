// The inputs of a batch: the questions file rules and the folder's documents (document_files.h):
// every file one document, in a deterministic order, with what is left out reported. The
// expected lists are written out by hand from the tree each test builds.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/analysis/batch.h"
#include "app/documents/document_files.h"
#include "../store/temp_dir.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;

void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

TEST(BatchQuestions, OnePerLineBlankAndCommentLinesIgnored) {
  auto q = parse_questions("# weekly questions\n\n  Who signed?  \r\nWhen?\n\t\n#Why?\nHow much");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q, (std::vector<std::string>{"Who signed?", "When?", "How much"}));
  EXPECT_EQ(parse_questions("# only a comment\n\n").error().code, Errc::invalid_argument);
  EXPECT_EQ(parse_questions("").error().code, Errc::invalid_argument);
  EXPECT_EQ(parse_questions("bad \xff byte\n").error().code, Errc::invalid_argument);
}

TEST(BatchQuestions, FileErrorsNameTheFile) {
  testing::TempDir dir;
  write(dir.path() / "q.txt", "\n# nothing\n");
  auto empty = read_questions_file(dir.path() / "q.txt");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("q.txt"), std::string::npos);
  EXPECT_EQ(read_questions_file(dir.path() / "missing.txt").error().code, Errc::not_found);
}

TEST(DocumentFiles, EveryFileIsADocumentInSortedDepthFirstOrder) {
  testing::TempDir dir;
  const fs::path root = dir.path() / "docs";
  write(root / "b.md", "# B\n");
  write(root / "a.txt", "a\n");
  write(root / "src" / "main.cpp", "int main() {}\n");
  write(root / "src" / "z" / "deep.py", "x = 1\n");
  write(root / "blob.bin", std::string("\x00\x01\x02", 3));  // listed: its item will fail
  write(root / ".gitignore", "*.log\nout/\n");
  write(root / "run.log", "ignored\n");
  write(root / "out" / "x.txt", "ignored\n");
  write(root / ".hidden.txt", "hidden\n");
  write(root / "node_modules" / "m.js", "vendored\n");
  fs::create_directory_symlink(root / "src", root / "src-link");
  auto files = list_document_files(root, {});
  ASSERT_TRUE(files) << files.error().message;
  const fs::path canon = fs::canonical(root);
  EXPECT_EQ(files->root, canon);
  std::vector<std::string> rel;
  for (const fs::path& f : files->files) rel.push_back(f.lexically_relative(canon).string());
  EXPECT_EQ(rel, (std::vector<std::string>{"a.txt", "b.md", "blob.bin", "src/main.cpp",
                                           "src/z/deep.py"}));
  std::vector<std::string> skipped;
  for (const Skipped& s : files->skipped) skipped.push_back(s.path + ": " + s.reason);
  EXPECT_EQ(skipped, (std::vector<std::string>{
                         ".gitignore: hidden file", ".hidden.txt: hidden file",
                         "node_modules: version-control, vendored or build folder",
                         "out: ignored by .gitignore", "run.log: ignored by .gitignore",
                         "src-link: symbolic link to a folder (not followed)"}));
}

TEST(DocumentFiles, LimitsAndSingleFilesAndMissingPaths) {
  testing::TempDir dir;
  for (const char* name : {"1.txt", "2.txt", "3.txt"}) write(dir.path() / "d" / name, "x\n");
  ExtractOptions two;
  two.max_files = 2;
  auto capped = list_document_files(dir.path() / "d", {}, two);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->files.size(), 2u);
  ASSERT_EQ(capped->skipped.size(), 1u);
  EXPECT_EQ(capped->skipped[0].path, "3.txt");
  auto single = list_document_files(dir.path() / "d" / "2.txt", {});
  ASSERT_TRUE(single);
  ASSERT_EQ(single->files.size(), 1u);
  EXPECT_EQ(single->files[0], fs::canonical(dir.path() / "d" / "2.txt"));
  EXPECT_EQ(list_document_files(dir.path() / "nope", {}).error().code, Errc::not_found);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(list_document_files(dir.path() / "d", stop.get_token()).error().code,
            Errc::cancelled);
}

}  // namespace
}  // namespace quire::app
