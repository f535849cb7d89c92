// Writer -> File::parse / File::open round trips: every metadata type, nested arrays, tensors
// of every supported type, alignment, typed getters and their error codes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <limits>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"

namespace quire::gguf {
namespace {

using namespace std::string_literals;

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

std::vector<std::pair<std::string, Value>> every_type() {
  Value nested = Value::array(ValueType::array, {Value::i32s({1, -2, 3}), Value::i32s({}),
                                                 Value::array(ValueType::array, {Value::strings({"deep"})})});
  return {
      {"t.u8", Value::u8(255)},
      {"t.i8", Value::i8(-128)},
      {"t.u16", Value::u16(65535)},
      {"t.i16", Value::i16(-32768)},
      {"t.u32", Value::u32(4000000000u)},
      {"t.i32", Value::i32(-2000000000)},
      {"t.u64", Value::u64(std::numeric_limits<uint64_t>::max())},
      {"t.i64", Value::i64(std::numeric_limits<int64_t>::min())},
      {"t.f32", Value::f32(-1.5e-7f)},
      {"t.f64", Value::f64(3.141592653589793)},
      {"t.true", Value::boolean(true)},
      {"t.false", Value::boolean(false)},
      {"t.str", Value::str("héllo\n\0x"s)},
      {"t.empty", Value::str("")},
      {"t.strings", Value::strings({"a", "", "<s>"})},
      {"t.floats", Value::floats({0.5f, -2.0f})},
      {"t.u32s", Value::u32s({7, 8})},
      {"t.i64s", Value::i64s({-1, 1})},
      {"t.bools", Value::array(ValueType::boolean, {Value::boolean(true), Value::boolean(false)})},
      {"t.nested", nested},
  };
}

TEST(GgufRoundTrip, EveryMetadataTypeAndTensorType) {
  Writer w(64);
  for (auto& [k, v] : every_type()) w.set(k, v);
  w.add_tensor("f32", kern::DType::f32, {3, 2}, pattern(24, 1));
  w.add_tensor("f16", kern::DType::f16, {5}, pattern(10, 2));
  w.add_tensor("bf16", kern::DType::bf16, {1, 1, 1, 2}, pattern(4, 3));
  w.add_tensor("q8_0", kern::DType::q8_0, {64, 3}, pattern(34 * 6, 4));
  w.add_tensor("q4_0", kern::DType::q4_0, {32}, pattern(18, 5));
  w.add_tensor("q4_k", kern::DType::q4_k, {256, 2}, pattern(288, 6));
  w.add_tensor("q5_k", kern::DType::q5_k, {256}, pattern(176, 7));
  w.add_tensor("q6_k", kern::DType::q6_k, {512}, pattern(420, 8));
  const std::vector<uint8_t> bytes = w.to_bytes();

  auto f = File::parse(bytes, "rt.gguf");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->size(), bytes.size());
  EXPECT_EQ(f->data_offset() % 64, 0u);
  const auto expected = every_type();
  ASSERT_EQ(f->metadata().size(), expected.size() + 1);  // + general.alignment
  EXPECT_EQ(f->metadata()[0].first, "general.alignment");
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(f->metadata()[i + 1].first, expected[i].first);
    EXPECT_TRUE(f->metadata()[i + 1].second == expected[i].second) << expected[i].first;
  }
  EXPECT_EQ(*f->find("t.str")->as_string(), "héllo\n\0x"s);
  const Array* nested = f->find("t.nested")->as_array();
  ASSERT_NE(nested, nullptr);
  ASSERT_EQ(nested->items.size(), 3u);
  EXPECT_EQ(*nested->items[0].as_array()->items[1].as_int(), -2);
  EXPECT_EQ(*nested->items[2].as_array()->items[0].as_array()->items[0].as_string(), "deep");

  ASSERT_EQ(f->tensors().size(), 8u);
  uint8_t seed = 1;
  for (const TensorInfo& t : f->tensors()) {
    EXPECT_EQ(t.offset % 64, 0u) << t.name;
    const auto want = pattern(t.n_bytes, seed++);
    EXPECT_EQ(std::vector<uint8_t>(f->tensor_data(t), f->tensor_data(t) + t.n_bytes), want)
        << t.name;
  }
  const TensorInfo* q8 = f->find_tensor("q8_0");
  ASSERT_NE(q8, nullptr);
  EXPECT_EQ(q8->type, kern::DType::q8_0);
  EXPECT_EQ(q8->shape, (std::vector<int64_t>{64, 3}));
  EXPECT_EQ(q8->n_elements(), 192);
  EXPECT_EQ(q8->n_bytes, 204u);
  EXPECT_EQ(f->find_tensor("nope"), nullptr);
}

TEST(GgufRoundTrip, DefaultAlignmentWritesNoKeyAndEmptyFileOfTensors) {
  Writer w;
  w.set("general.architecture", Value::str("llama"));
  w.set("general.architecture", Value::str("tpa"));  // replaces in place
  auto f = File::parse(w.to_bytes(), "x.gguf");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->alignment(), 32u);
  ASSERT_EQ(f->metadata().size(), 1u);
  EXPECT_EQ(*f->get_string("general.architecture"), "tpa");
  EXPECT_TRUE(f->tensors().empty());
}

TEST(GgufRoundTrip, TypedGetters) {
  Writer w;
  for (auto& [k, v] : every_type()) w.set(k, v);
  auto f = File::parse(w.to_bytes(), "g.gguf");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(*f->get_uint("t.u32"), 4000000000u);
  EXPECT_EQ(*f->get_int("t.i8"), -128);
  EXPECT_EQ(*f->get_int("t.u16"), 65535);
  EXPECT_DOUBLE_EQ(*f->get_float("t.f64"), 3.141592653589793);
  EXPECT_DOUBLE_EQ(*f->get_float("t.u8"), 255.0);
  EXPECT_TRUE(*f->get_bool("t.true"));
  EXPECT_EQ(*f->get_strings("t.strings"), (std::vector<std::string>{"a", "", "<s>"}));
  EXPECT_EQ(*f->get_floats("t.floats"), (std::vector<float>{0.5f, -2.0f}));
  EXPECT_EQ(*f->get_ints("t.i64s"), (std::vector<int64_t>{-1, 1}));

  auto missing = f->get_uint("llama.context_length");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("llama.context_length"), std::string::npos);
  EXPECT_NE(missing.error().message.find("g.gguf"), std::string::npos);

  auto negative = f->get_uint("t.i8");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, Errc::mismatch);
  auto wrong = f->get_string("t.u8");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::mismatch);
  EXPECT_NE(wrong.error().message.find("t.u8"), std::string::npos);
  EXPECT_FALSE(f->get_int("t.u64"));  // 2^64-1 does not fit an i64
  EXPECT_FALSE(f->get_bool("t.u8"));
  EXPECT_FALSE(f->get_strings("t.floats"));
  EXPECT_FALSE(f->get_ints("t.floats"));
  EXPECT_FALSE(f->get_floats("t.str"));
}

TEST(GgufRoundTrip, WriteAndOpenFromDisk) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("quire_gguf_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Writer w;
  w.set("general.name", Value::str("disk"));
  w.add_tensor("t", kern::DType::f32, {4}, pattern(16, 9));
  ASSERT_TRUE(w.write(dir / "m.gguf"));
  {
    auto f = File::open(dir / "m.gguf");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->name(), "m.gguf");
    File moved = std::move(*f);  // the mapping moves; tensor pointers stay valid
    const TensorInfo& t = moved.tensors().at(0);
    EXPECT_EQ(std::vector<uint8_t>(moved.tensor_data(t), moved.tensor_data(t) + 16),
              pattern(16, 9));
  }
  auto missing = File::open(dir / "absent.gguf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  auto directory = File::open(dir);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code, Errc::not_found);
  auto bad = w.write(dir / "no_such_dir" / "m.gguf");
  EXPECT_FALSE(bad);
  std::filesystem::remove_all(dir);
}

TEST(GgufRoundTrip, WriterRejectsProgrammingErrors) {
  EXPECT_THROW(Writer(24), std::invalid_argument);
  EXPECT_THROW(Writer(4), std::invalid_argument);
  Writer w;
  EXPECT_THROW(w.set("general.alignment", Value::u32(64)), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("a", kern::DType::f32, {3}, pattern(8, 0)), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("a", kern::DType::q8_0, {16}, pattern(17, 0)), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("a", kern::DType::f32, {}, {}), std::invalid_argument);
  w.add_tensor("a", kern::DType::f32, {2}, pattern(8, 0));
  EXPECT_THROW(w.add_tensor("a", kern::DType::f32, {2}, pattern(8, 0)), std::invalid_argument);
  EXPECT_THROW(Value::array(ValueType::u8, {Value::i8(1)}), std::invalid_argument);
}

}  // namespace
}  // namespace quire::gguf
