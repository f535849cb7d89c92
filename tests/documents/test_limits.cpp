// Size and safety limits of extract() on hostile inputs that are not format-specific.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/documents/extract.h"
#include "doc_test_util.h"

namespace quire::app {
namespace {
namespace fs = std::filesystem;

TEST(Limits, TwoGigabyteTextFileIsRefusedBeforeReading) {
  testing::TempDir dir("limit-huge");
  const fs::path huge = dir.path() / "huge.txt";
  testing::write_file(huge, "start\n");
  fs::resize_file(huge, (int64_t{2} << 30) + 1);  // sparse: costs no disk
  std::stop_source ss;
  auto doc = extract(huge, ss.get_token());
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, Errc::unsupported);
  EXPECT_NE(doc.error().message.find("2.0 GiB"), std::string::npos) << doc.error().message;
  EXPECT_NE(doc.error().message.find("1.0 GiB limit"), std::string::npos) << doc.error().message;
}

TEST(Limits, MissingPathAndSpecialFiles) {
  std::stop_source ss;
  auto missing = extract("/nonexistent/quire/file.pdf", ss.get_token());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("/nonexistent/quire/file.pdf"), std::string::npos);
  auto device = extract("/dev/null", ss.get_token());
  ASSERT_FALSE(device);
  EXPECT_NE(device.error().message.find("not a regular file"), std::string::npos);
}

TEST(Limits, TextOverTheTotalCapIsRefusedNotCut) {
  testing::TempDir dir("limit-total");
  testing::write_file(dir.path() / "t.txt", std::string(2000, 'x'));
  ExtractOptions opt;
  opt.max_total_bytes = 1000;
  std::stop_source ss;
  auto doc = extract(dir.path() / "t.txt", ss.get_token(), opt);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message.find("limit for one document"), std::string::npos);
}

}  // namespace
}  // namespace quire::app
