#include "engine/gguf/gguf.h"

#include <array>
#include <limits>

namespace quire::gguf {

int64_t TensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // validated by the parser: no overflow
  return n;
}

std::string_view ggml_type_name(uint32_t id) {
  // GGML's type ids (ggml.h); "" marks ids that were removed and never appear in files.
  static constexpr std::array<std::string_view, 40> kNames = {
      "f32",     "f16",   "q4_0",  "q4_1",   "",       "",       "q5_0",    "q5_1",
      "q8_0",    "q8_1",  "q2_K",  "q3_K",   "q4_K",   "q5_K",   "q6_K",    "q8_K",
      "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s", "iq4_nl", "iq3_s", "iq2_s",   "iq4_xs",
      "i8",      "i16",   "i32",   "i64",    "f64",    "iq1_m",  "bf16",    "",
      "",        "",      "tq1_0", "tq2_0",  "",       "",       "",        "mxfp4"};
  if (id >= kNames.size() || kNames[id].empty()) return "unknown";
  return kNames[id];
}

Result<File> File::open(const std::filesystem::path& path) {
  auto mapping = MappedFile::open(path);
  if (!mapping) return mapping.error();
  auto file = parse(mapping->bytes(), path.filename().string());
  if (!file) return file.error();
  file->mapping_ = std::move(*mapping);  // the mapping's address, and so bytes_, stays put
  return file;
}

const Value* File::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

Error not_found(const File& f, std::string_view key) {
  return make_error(Errc::not_found,
                    "{}: metadata key '{}' is missing; the file may be for another program or an "
                    "older converter, use a GGUF made by a current llama.cpp",
                    f.name(), key);
}

Error mismatch(const File& f, std::string_view key, std::string_view wanted, const Value& v) {
  const Array* a = v.as_array();
  return make_error(Errc::mismatch, "{}: metadata '{}' is {}{}, expected {}; {}", f.name(), key,
                    v.type() == ValueType::array ? "an array of " : "a ",
                    value_type_name(a ? a->type : v.type()), wanted,
                    "the file does not follow the GGUF conventions Quire expects");
}

// Looks up `key`, requires an array and converts each item with `convert` (optional result).
template <class T, class Convert>
Result<std::vector<T>> get_array(const File& f, std::string_view key, std::string_view wanted,
                                 Convert convert) {
  const Value* v = f.find(key);
  if (v == nullptr) return not_found(f, key);
  const Array* a = v->as_array();
  if (a == nullptr) return mismatch(f, key, wanted, *v);
  std::vector<T> out;
  out.reserve(a->items.size());
  for (const Value& item : a->items) {
    auto x = convert(item);
    if (!x) return mismatch(f, key, wanted, *v);
    out.push_back(static_cast<T>(*x));
  }
  return out;
}

}  // namespace

Result<std::string> File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(*this, key);
  if (const std::string* s = v->as_string()) return *s;
  return mismatch(*this, key, "a string", *v);
}

Result<uint64_t> File::get_uint(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(*this, key);
  if (auto x = v->as_uint()) return *x;
  return mismatch(*this, key, "a non-negative integer", *v);
}

Result<int64_t> File::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(*this, key);
  if (auto x = v->as_int()) return *x;
  return mismatch(*this, key, "an integer (i64 range)", *v);
}

Result<double> File::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(*this, key);
  if (auto x = v->as_float()) return *x;
  return mismatch(*this, key, "a number", *v);
}

Result<bool> File::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(*this, key);
  if (auto x = v->as_bool()) return *x;
  return mismatch(*this, key, "a bool", *v);
}

Result<std::vector<std::string>> File::get_strings(std::string_view key) const {
  return get_array<std::string>(*this, key, "an array of strings",
                                [](const Value& x) -> std::optional<std::string> {
                                  if (const std::string* s = x.as_string()) return *s;
                                  return std::nullopt;
                                });
}

Result<std::vector<float>> File::get_floats(std::string_view key) const {
  return get_array<float>(*this, key, "an array of numbers",
                          [](const Value& x) { return x.as_float(); });
}

Result<std::vector<int64_t>> File::get_ints(std::string_view key) const {
  return get_array<int64_t>(*this, key, "an array of integers",
                            [](const Value& x) { return x.as_int(); });
}

}  // namespace quire::gguf
