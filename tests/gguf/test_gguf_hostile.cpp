// Corrupt, truncated and hostile GGUF bytes: each gives an Error with the right code and a
// message naming the file, never a crash, an out-of-bounds read or a huge allocation (this
// suite also runs under the asan preset). Hostile files are built by hand here, byte by byte,
// so they do not depend on the Writer's idea of the format.
#include <gtest/gtest.h>

#include <random>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"

namespace quire::gguf {
namespace {

struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u32(uint32_t x) { return raw(x, 4); }
  Bytes& u64(uint64_t x) { return raw(x, 8); }
  Bytes& raw(uint64_t x, int width) {
    for (int i = 0; i < width; ++i) b.push_back(static_cast<uint8_t>(x >> (8 * i)));
    return *this;
  }
  Bytes& str(std::string_view s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    b = {'G', 'G', 'U', 'F'};
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  Bytes& pad(size_t to) {
    while (b.size() % to != 0) b.push_back(0);
    return *this;
  }
  Bytes& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

Error parse_error(const std::vector<uint8_t>& bytes) {
  auto f = File::parse(bytes, "bad.gguf");
  EXPECT_FALSE(f) << "parsed a file that should fail";
  if (f) return Error{};
  EXPECT_NE(f.error().message.find("bad.gguf"), std::string::npos) << f.error().message;
  return f.error();
}

void expect_error(const std::vector<uint8_t>& bytes, Errc code, std::string_view words) {
  const Error e = parse_error(bytes);
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_NE(e.message.find(words), std::string::npos) << e.message;
}

// A small valid file with one tensor of each kind of layout the parser checks.
std::vector<uint8_t> small_file() {
  Writer w;
  w.set("general.architecture", Value::str("llama"));
  w.set("a", Value::array(ValueType::array, {Value::i32s({1, 2}), Value::strings({"x"})}));
  w.set("f", Value::f32(1.0f));
  w.set("b", Value::boolean(true));
  w.add_tensor("w", kern::DType::q8_0, {32, 2}, std::vector<uint8_t>(68, 1));
  w.add_tensor("v", kern::DType::f32, {3}, std::vector<uint8_t>(12, 2));
  return w.to_bytes();
}

TEST(GgufHostile, SmallFileIsValid) {
  auto f = File::parse(small_file(), "small.gguf");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->tensors().size(), 2u);
}

TEST(GgufHostile, EveryTruncationFails) {
  const auto full = small_file();
  // The padding after the last tensor's bytes carries nothing: a file cut there is complete.
  auto whole = File::parse(full, "small.gguf");
  ASSERT_TRUE(whole);
  const TensorInfo& last = whole->tensors().back();
  const size_t end = whole->data_offset() + last.offset + last.n_bytes;
  ASSERT_LT(end, full.size());
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
    auto f = File::parse(cut, "bad.gguf");
    if (n >= end) {
      EXPECT_TRUE(f) << n << ": " << f.error().message;
      continue;
    }
    ASSERT_FALSE(f) << "a file cut at byte " << n << " parsed";
    EXPECT_EQ(f.error().code, Errc::corrupt_data) << n << ": " << f.error().message;
  }
}

TEST(GgufHostile, RandomByteFlipsNeverCrash) {
  const auto full = small_file();
  std::mt19937 rng(1234);
  int failures = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    auto bytes = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto f = File::parse(bytes, "flip.gguf");
    if (!f) {
      ++failures;
      EXPECT_FALSE(f.error().message.empty());
      continue;
    }
    // A flip the format cannot detect (inside data or a name): everything stays in bounds.
    for (const TensorInfo& t : f->tensors()) {
      ASSERT_LE(f->data_offset() + t.offset + t.n_bytes, bytes.size());
    }
  }
  EXPECT_GT(failures, 1000);  // most flips land in structure and must be caught
}

TEST(GgufHostile, MagicAndVersion) {
  expect_error({}, Errc::corrupt_data, "not a GGUF file");
  expect_error({'G', 'G', 'M', 'L', 3, 0, 0, 0}, Errc::corrupt_data, "not a GGUF file");
  expect_error(Bytes().header(0, 0, 1).b, Errc::unsupported, "version 1");
  expect_error(Bytes().header(0, 0, 4).b, Errc::unsupported, "version 4");
  expect_error(Bytes().header(0, 0, 0x03000000).b, Errc::unsupported, "big-endian");
  auto v2 = File::parse(Bytes().header(0, 0, 2).b, "v2.gguf");
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_EQ(v2->version(), 2u);
}

TEST(GgufHostile, HugeCountsFailFast) {
  expect_error(Bytes().header(0, uint64_t{1} << 60).b, Errc::corrupt_data, "metadata entries");
  expect_error(Bytes().header(uint64_t{1} << 60, 0).b, Errc::corrupt_data, "tensors");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(0).u64(uint64_t{1} << 60).b,
               Errc::corrupt_data, "claims an array");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(8).u64(~uint64_t{0}).b,
               Errc::corrupt_data, "claims an array");
  expect_error(Bytes().header(0, 1).str("k").u32(8).u64(~uint64_t{0}).b, Errc::corrupt_data,
               "the file ends");
  expect_error(Bytes().header(0, 1).u64(uint64_t{1} << 40).zeros(16).b, Errc::corrupt_data,
               "limit");
}

TEST(GgufHostile, TooManyValuesInAll) {
  // 5M one-byte items fit in the bytes but exceed the budget that bounds memory (~48 B each).
  Bytes b;
  b.header(0, 1).str("k").u32(9).u32(0).u64(5'000'000).zeros(5'000'000);
  expect_error(b.b, Errc::corrupt_data, "metadata values in all");
  Bytes ok;
  ok.header(0, 1).str("k").u32(9).u32(0).u64(1'000'000).zeros(1'000'000);
  EXPECT_TRUE(File::parse(ok.b, "ok.gguf"));
}

TEST(GgufHostile, MetadataValues) {
  expect_error(Bytes().header(0, 1).str("k").u32(13).u32(0).b, Errc::corrupt_data,
               "unknown value type 13");
  expect_error(Bytes().header(0, 1).str("k").u32(7).raw(2, 1).zeros(12).b, Errc::corrupt_data,
               "bool");
  expect_error(Bytes().header(0, 1).str("").u32(4).u32(0).b, Errc::corrupt_data, "empty key");
  expect_error(Bytes().header(0, 2).str("k").u32(4).u32(0).str("k").u32(4).u32(0).b,
               Errc::corrupt_data, "appears twice");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(42).u64(0).b, Errc::corrupt_data,
               "unknown type 42");
  Bytes deep;
  deep.header(0, 1).str("k");
  deep.u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.zeros(64);
  expect_error(deep.b, Errc::corrupt_data, "deeper");
}

TEST(GgufHostile, Alignment) {
  for (uint32_t a : {0u, 1u, 4u, 24u, 1u << 21}) {
    expect_error(Bytes().header(0, 1).str("general.alignment").u32(4).u32(a).b,
                 Errc::corrupt_data, "general.alignment");
  }
  expect_error(Bytes().header(0, 1).str("general.alignment").u32(8).str("32").b,
               Errc::corrupt_data, "general.alignment");
}

// One tensor info after an empty metadata section, then `data_bytes` of data.
std::vector<uint8_t> one_tensor(std::vector<uint64_t> dims, uint32_t type, uint64_t offset,
                                size_t data_bytes) {
  Bytes b;
  b.header(1, 0).str("t").u32(static_cast<uint32_t>(dims.size()));
  for (uint64_t d : dims) b.u64(d);
  b.u32(type).u64(offset).pad(32).zeros(data_bytes);
  return b.b;
}

TEST(GgufHostile, TensorInfos) {
  ASSERT_TRUE(File::parse(one_tensor({4, 2}, 0, 0, 32), "ok.gguf"));
  expect_error(one_tensor({}, 0, 0, 32), Errc::corrupt_data, "0 dimensions");
  expect_error(one_tensor({1, 1, 1, 1, 1}, 0, 0, 32), Errc::corrupt_data, "5 dimensions");
  expect_error(one_tensor({4, 0}, 0, 0, 32), Errc::corrupt_data, "dimension 1");
  expect_error(one_tensor({uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0, 32), Errc::corrupt_data,
               "2^60");
  expect_error(one_tensor({~uint64_t{0}}, 0, 0, 32), Errc::corrupt_data, "dimension 0");
  expect_error(one_tensor({256}, 10, 0, 1024), Errc::unsupported, "q2_K (type 10)");
  expect_error(one_tensor({256}, 10, 0, 1024), Errc::unsupported, "q4_K");
  expect_error(one_tensor({256}, 999, 0, 1024), Errc::unsupported, "unknown (type 999)");
  expect_error(one_tensor({16}, 8, 0, 64), Errc::corrupt_data, "block size 32");
  expect_error(one_tensor({4}, 0, 4, 64), Errc::corrupt_data, "alignment");
  expect_error(one_tensor({4, 2}, 0, 0, 31), Errc::corrupt_data, "past the end");
  expect_error(one_tensor({4}, 0, ~uint64_t{0} - 31, 64), Errc::corrupt_data, "past the end");
  expect_error(one_tensor({4}, 0, 0, 0), Errc::corrupt_data, "past the end");
}

TEST(GgufHostile, DuplicateAndOverlappingTensors) {
  auto two = [](std::string_view second_name, uint64_t second_offset) {
    Bytes b;
    b.header(2, 0);
    b.str("a").u32(1).u64(16).u32(0).u64(0);
    b.str(second_name).u32(1).u64(8).u32(0).u64(second_offset);
    return b.pad(32).zeros(128).b;
  };
  ASSERT_TRUE(File::parse(two("b", 64), "ok.gguf"));
  expect_error(two("a", 64), Errc::corrupt_data, "appears twice");
  expect_error(two("b", 32), Errc::corrupt_data, "overlap");
  expect_error(two("b", 0), Errc::corrupt_data, "overlap");
}

}  // namespace
}  // namespace quire::gguf
