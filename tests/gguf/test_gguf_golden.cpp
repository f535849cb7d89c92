// Cross-check with an independent GGUF implementation (tests/golden/gguf_ref.py, struct +
// numpy): Python writes, Quire reads and the values agree; Quire writes, Python reads and agrees.
// QUIRE_PYTHON and GGUF_REF_PY come from tests/gguf/CMakeLists.txt.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"

namespace quire::gguf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class GgufGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quire_gguf_golden_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static int python(const std::string& args) {
    const std::string cmd = std::string(QUIRE_PYTHON) + " " + GGUF_REF_PY + " " + args;
    return std::system(cmd.c_str());
  }
  static json load(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
  }
  fs::path dir_;
};

std::string hex(const uint8_t* p, uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint64_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

// Compares a Value with a NODE of gguf_ref.py's JSON; `where` names it in failure messages.
void expect_node(const Value& v, const json& node, const std::string& where) {
  ASSERT_EQ(static_cast<uint32_t>(v.type()), node.at("type").get<uint32_t>()) << where;
  const json& x = node.at("value");
  switch (v.type()) {
    case ValueType::u8: case ValueType::u16: case ValueType::u32: case ValueType::u64:
      EXPECT_EQ(*v.as_uint(), x.get<uint64_t>()) << where;
      break;
    case ValueType::i8: case ValueType::i16: case ValueType::i32: case ValueType::i64:
      EXPECT_EQ(*v.as_int(), x.get<int64_t>()) << where;
      break;
    case ValueType::f32: case ValueType::f64:
      EXPECT_EQ(*v.as_float(), x.get<double>()) << where;  // exact: both hold the same bits
      break;
    case ValueType::boolean: EXPECT_EQ(*v.as_bool(), x.get<bool>()) << where; break;
    case ValueType::string: EXPECT_EQ(*v.as_string(), x.get<std::string>()) << where; break;
    case ValueType::array: {
      const Array& a = *v.as_array();
      EXPECT_EQ(static_cast<uint32_t>(a.type), node.at("elem").get<uint32_t>()) << where;
      ASSERT_EQ(a.items.size(), x.size()) << where;
      for (size_t i = 0; i < a.items.size(); ++i) {
        expect_node(a.items[i], x[i], where + "[" + std::to_string(i) + "]");
      }
      break;
    }
  }
}

void expect_file_matches(const File& f, const json& want) {
  EXPECT_EQ(f.version(), want.at("version").get<uint32_t>());
  EXPECT_EQ(f.alignment(), want.at("alignment").get<uint64_t>());
  ASSERT_EQ(f.metadata().size(), want.at("metadata").size());
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    const auto& [key, value] = f.metadata()[i];
    EXPECT_EQ(key, want["metadata"][i].at("key").get<std::string>());
    expect_node(value, want["metadata"][i].at("value"), key);
  }
  ASSERT_EQ(f.tensors().size(), want.at("tensors").size());
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const TensorInfo& t = f.tensors()[i];
    const json& w = want["tensors"][i];
    EXPECT_EQ(t.name, w.at("name").get<std::string>());
    EXPECT_EQ(static_cast<uint32_t>(t.type), w.at("type").get<uint32_t>()) << t.name;
    EXPECT_EQ(t.shape, w.at("shape").get<std::vector<int64_t>>()) << t.name;
    EXPECT_EQ(t.offset, w.at("offset").get<uint64_t>()) << t.name;
    EXPECT_EQ(hex(f.tensor_data(t), t.n_bytes), w.at("data_hex").get<std::string>()) << t.name;
  }
}

TEST_F(GgufGolden, QuireReadsWhatPythonWrites) {
  for (int version : {2, 3}) {
    const fs::path model = dir_ / ("py_v" + std::to_string(version) + ".gguf");
    const fs::path desc = dir_ / "py.json";
    ASSERT_EQ(python("write " + model.string() + " " + desc.string() + " --version " +
                     std::to_string(version)), 0);
    auto f = File::open(model);
    ASSERT_TRUE(f) << f.error().message;
    expect_file_matches(*f, load(desc));
    EXPECT_EQ(f->get_strings("tokenizer.ggml.tokens")->at(3), "▁the");
  }
}

TEST_F(GgufGolden, PythonReadsWhatQuireWrites) {
  const std::vector<std::pair<std::string, Value>> metadata = {
      {"general.architecture", Value::str("llama")},
      {"u8", Value::u8(7)},
      {"i8", Value::i8(-7)},
      {"u16", Value::u16(65000)},
      {"i16", Value::i16(-32000)},
      {"u32", Value::u32(4294967295u)},
      {"i32", Value::i32(-5)},
      {"u64", Value::u64(std::numeric_limits<uint64_t>::max())},
      {"i64", Value::i64(std::numeric_limits<int64_t>::min())},
      {"f32", Value::f32(0.3f)},
      {"f64", Value::f64(1e300)},
      {"bool", Value::boolean(false)},
      {"str", Value::str("ünïcode ✓")},
      {"tokens", Value::strings({"<s>", "</s>", "▁a"})},
      {"scores", Value::floats({-1.25f, 3.5f})},
      {"nested", Value::array(ValueType::array, {Value::i32s({1, 2}), Value::i32s({})})},
  };
  Writer w(16);
  for (const auto& [k, v] : metadata) w.set(k, v);
  std::vector<uint8_t> f32(4 * 6), q4(18 * 2);
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<uint8_t>(i * 13);
  for (size_t i = 0; i < q4.size(); ++i) q4[i] = static_cast<uint8_t>(255 - i);
  w.add_tensor("a", kern::DType::f32, {3, 2}, f32);
  w.add_tensor("b", kern::DType::q4_0, {32, 2}, q4);
  const fs::path model = dir_ / "quire.gguf";
  ASSERT_TRUE(w.write(model));
  const fs::path desc = dir_ / "quire.json";
  ASSERT_EQ(python("read " + model.string() + " > " + desc.string()), 0);

  // Python's view against the values handed to the Writer (Quire's reader is not involved).
  const json got = load(desc);
  EXPECT_EQ(got.at("version"), 3);
  EXPECT_EQ(got.at("alignment"), 16);
  ASSERT_EQ(got.at("metadata").size(), metadata.size() + 1);
  EXPECT_EQ(got["metadata"][0]["key"], "general.alignment");
  EXPECT_EQ(got["metadata"][0]["value"]["type"], 4);
  for (size_t i = 0; i < metadata.size(); ++i) {
    EXPECT_EQ(got["metadata"][i + 1].at("key").get<std::string>(), metadata[i].first);
    expect_node(metadata[i].second, got["metadata"][i + 1].at("value"), metadata[i].first);
  }
  ASSERT_EQ(got.at("tensors").size(), 2u);
  EXPECT_EQ(got["tensors"][0]["name"], "a");
  EXPECT_EQ(got["tensors"][0]["type"], 0);
  EXPECT_EQ(got["tensors"][0]["shape"], json::array({3, 2}));
  EXPECT_EQ(got["tensors"][0]["data_hex"], hex(f32.data(), f32.size()));
  EXPECT_EQ(got["tensors"][1]["name"], "b");
  EXPECT_EQ(got["tensors"][1]["type"], 2);
  EXPECT_EQ(got["tensors"][1]["offset"].get<uint64_t>() % 16, 0u);
  EXPECT_EQ(got["tensors"][1]["data_hex"], hex(q4.data(), q4.size()));
}

}  // namespace
}  // namespace quire::gguf
