#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "engine/base/result.h"

namespace quire {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(Errc::invalid_argument, "expected a positive number, got {}", v);
  return v;
}

TEST(Result, HoldsValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);

  auto bad = parse_positive(-2);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message, "expected a positive number, got -2");
  EXPECT_EQ(bad.error().describe(), "invalid_argument: expected a positive number, got -2");
}

TEST(Result, MovesOnlyValuesOut) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidResult) {
  Result<void> ok;
  EXPECT_TRUE(ok.ok());
  Result<void> failed = make_error(Errc::no_space, "disk full");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::no_space);
}

TEST(Result, EveryCodeHasADistinctName) {
  const Errc all[] = {Errc::invalid_argument, Errc::not_found,   Errc::permission_denied,
                      Errc::io_error,         Errc::no_space,    Errc::corrupt_data,
                      Errc::unsupported,      Errc::mismatch,    Errc::context_overflow,
                      Errc::out_of_memory,    Errc::cancelled,   Errc::internal};
  std::set<std::string_view> names;
  for (Errc c : all) names.insert(errc_name(c));
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(errc_name(Errc::corrupt_data), "corrupt_data");
}

}  // namespace
}  // namespace quire
