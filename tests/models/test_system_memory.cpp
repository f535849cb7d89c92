// /proc/meminfo parsing, the fit verdict and its message, on hand-written inputs.
#include <gtest/gtest.h>

#include "app/models/system_memory.h"

namespace quire::app {
namespace {

TEST(SystemMemory, ParsesMeminfoInKibibytes) {
  const char* text =
      "MemTotal:       16318444 kB\n"
      "MemFree:         1203960 kB\n"
      "MemAvailable:    9876543 kB\n"
      "Buffers:          412012 kB\n";
  auto m = parse_meminfo(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, int64_t{16318444} * 1024);
  EXPECT_EQ(m->available, int64_t{9876543} * 1024);
}

TEST(SystemMemory, RejectsMissingOrMalformedFields) {
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\n"));
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailable: lots kB\n"));
  EXPECT_FALSE(parse_meminfo("MemTotal: 100 kB\nMemAvailable: 50 MB\n"));
  EXPECT_FALSE(parse_meminfo("MemTotal: -5 kB\nMemAvailable: 50 kB\n"));
  EXPECT_FALSE(parse_meminfo(""));
  // A prefix of another key is not the key.
  EXPECT_FALSE(parse_meminfo("MemTotalX: 100 kB\nMemAvailable: 50 kB\n"));
  EXPECT_TRUE(parse_meminfo("MemAvailable: 50 kB\nMemTotal: 100 kB"));
}

TEST(SystemMemory, ThisMachineHasSome) {
  const SystemMemory m = system_memory();
  EXPECT_GT(m.total, 0);
  EXPECT_GT(m.available, 0);
  EXPECT_LE(m.available, m.total);
}

TEST(SystemMemory, FitLeavesAQuarterFree) {
  engine::MemoryEstimate e;
  e.weights = 600;
  e.kv_cache = 150;  // total 750
  EXPECT_EQ(memory_fit(e, {2000, 1000}), MemoryFit::fits);   // 750 <= 1000 - 250
  EXPECT_EQ(memory_fit(e, {2000, 999}), MemoryFit::fits);    // 750 <= 999 - 249
  EXPECT_EQ(memory_fit(e, {2000, 998}), MemoryFit::tight);   // 750 > 998 - 249
  EXPECT_EQ(memory_fit(e, {2000, 750}), MemoryFit::tight);
  EXPECT_EQ(memory_fit(e, {2000, 749}), MemoryFit::does_not_fit);
  EXPECT_EQ(memory_fit(e, {0, 0}), MemoryFit::fits);  // unknown machine
}

TEST(SystemMemory, MessagesSayWhatToChange) {
  engine::MemoryEstimate e;
  e.weights = int64_t{3} << 30;
  e.kv_cache = int64_t{1} << 30;
  EXPECT_EQ(memory_fit_message(e, {int64_t{64} << 30, int64_t{32} << 30}), "");
  const std::string no = memory_fit_message(e, {int64_t{4} << 30, int64_t{2} << 30});
  EXPECT_NE(no.find("Will not fit"), std::string::npos) << no;
  EXPECT_NE(no.find("4.0 GiB"), std::string::npos) << no;  // needed
  EXPECT_NE(no.find("2.0 GiB of 4.0 GiB"), std::string::npos) << no;
  EXPECT_NE(no.find("q8_0"), std::string::npos) << no;
  EXPECT_NE(memory_fit_message(e, {int64_t{8} << 30, int64_t{5} << 30}).find("Tight"),
            std::string::npos);
}

}  // namespace
}  // namespace quire::app
