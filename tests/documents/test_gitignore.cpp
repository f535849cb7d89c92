#include <gtest/gtest.h>

#include "app/documents/gitignore.h"

namespace quire::app {
namespace {

TEST(Glob, StarsQuestionMarksAndBrackets) {
  EXPECT_TRUE(glob_match("*.o", "main.o"));
  EXPECT_FALSE(glob_match("*.o", "dir/main.o"));  // '*' stays inside one component
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_TRUE(glob_match("[a-c]x", "bx"));
  EXPECT_FALSE(glob_match("[!a-c]x", "bx"));
  EXPECT_TRUE(glob_match("**/logs", "logs"));
  EXPECT_TRUE(glob_match("**/logs", "a/b/logs"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(glob_match("abc/**", "abc/d/e"));
  EXPECT_FALSE(glob_match("abc/**", "abd/e"));
  EXPECT_TRUE(glob_match("\\*lit", "*lit"));
  EXPECT_FALSE(glob_match("\\*lit", "xlit"));
}

TEST(Gitignore, LastMatchWinsAndNegationReincludes) {
  GitignoreRules r;
  r.add("# comment\n*.log\n!keep.log\n", "");
  EXPECT_TRUE(r.ignored("a.log", false));
  EXPECT_TRUE(r.ignored("deep/x/a.log", false));
  EXPECT_FALSE(r.ignored("keep.log", false));
  EXPECT_FALSE(r.ignored("a.txt", false));
}

TEST(Gitignore, TrailingSlashOnlyMatchesFoldersAndLeadingSlashAnchors) {
  GitignoreRules r;
  r.add("out/\n/top.txt\ndocs/*.tmp\n", "");
  EXPECT_TRUE(r.ignored("out", true));
  EXPECT_FALSE(r.ignored("out", false));
  EXPECT_TRUE(r.ignored("src/out", true));
  EXPECT_TRUE(r.ignored("top.txt", false));
  EXPECT_FALSE(r.ignored("src/top.txt", false));
  EXPECT_TRUE(r.ignored("docs/a.tmp", false));
  EXPECT_FALSE(r.ignored("src/docs/a.tmp", false));
}

TEST(Gitignore, NestedFileAppliesOnlyBelowItsFolder) {
  GitignoreRules r;
  r.add("*.gen\n/local.txt\n", "sub");
  EXPECT_TRUE(r.ignored("sub/a.gen", false));
  EXPECT_TRUE(r.ignored("sub/x/a.gen", false));
  EXPECT_FALSE(r.ignored("a.gen", false));
  EXPECT_TRUE(r.ignored("sub/local.txt", false));
  EXPECT_FALSE(r.ignored("sub/x/local.txt", false));
  EXPECT_FALSE(r.ignored("subway/a.gen", false));
}

TEST(Gitignore, HostilePatternsStayBounded) {
  GitignoreRules r;
  r.add(std::string(200, '*') + "x\n[unclosed\n\\\n", "");
  EXPECT_FALSE(r.ignored(std::string(300, 'a'), false));
  EXPECT_TRUE(r.ignored("[unclosed", false));
}

}  // namespace
}  // namespace quire::app
