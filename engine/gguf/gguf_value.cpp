#include "engine/gguf/gguf_value.h"

#include <limits>
#include <stdexcept>
#include <utility>

namespace quire::gguf {

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::u8: return "u8";
    case ValueType::i8: return "i8";
    case ValueType::u16: return "u16";
    case ValueType::i16: return "i16";
    case ValueType::u32: return "u32";
    case ValueType::i32: return "i32";
    case ValueType::f32: return "f32";
    case ValueType::boolean: return "bool";
    case ValueType::string: return "string";
    case ValueType::array: return "array";
    case ValueType::u64: return "u64";
    case ValueType::i64: return "i64";
    case ValueType::f64: return "f64";
  }
  return "unknown";
}

std::optional<ValueType> value_type_from_id(uint32_t id) {
  if (id > static_cast<uint32_t>(ValueType::f64)) return std::nullopt;
  return static_cast<ValueType>(id);
}

Value Value::u8(uint8_t x) { return Value(ValueType::u8, uint64_t{x}); }
Value Value::u16(uint16_t x) { return Value(ValueType::u16, uint64_t{x}); }
Value Value::u32(uint32_t x) { return Value(ValueType::u32, uint64_t{x}); }
Value Value::u64(uint64_t x) { return Value(ValueType::u64, x); }
Value Value::i8(int8_t x) { return Value(ValueType::i8, int64_t{x}); }
Value Value::i16(int16_t x) { return Value(ValueType::i16, int64_t{x}); }
Value Value::i32(int32_t x) { return Value(ValueType::i32, int64_t{x}); }
Value Value::i64(int64_t x) { return Value(ValueType::i64, x); }
Value Value::f32(float x) { return Value(ValueType::f32, double{x}); }
Value Value::f64(double x) { return Value(ValueType::f64, x); }
Value Value::boolean(bool x) { return Value(ValueType::boolean, x); }
Value Value::str(std::string s) { return Value(ValueType::string, std::move(s)); }

Value Value::array(ValueType type, std::vector<Value> items) {
  for (const Value& item : items) {
    if (item.type() != type) {
      throw std::invalid_argument("gguf::Value::array: an item's type differs from the array's");
    }
  }
  auto array = std::make_shared<Array>();
  array->type = type;
  array->items = std::move(items);
  return Value(ValueType::array, std::shared_ptr<const Array>(std::move(array)));
}

namespace {
template <class T, class Make>
Value array_of(ValueType type, const std::vector<T>& xs, Make make) {
  std::vector<Value> items;
  items.reserve(xs.size());
  for (const T& x : xs) items.push_back(make(x));
  return Value::array(type, std::move(items));
}
}  // namespace

Value Value::strings(const std::vector<std::string>& xs) {
  return array_of(ValueType::string, xs, [](const std::string& s) { return Value::str(s); });
}
Value Value::floats(const std::vector<float>& xs) {
  return array_of(ValueType::f32, xs, [](float x) { return Value::f32(x); });
}
Value Value::i32s(const std::vector<int32_t>& xs) {
  return array_of(ValueType::i32, xs, [](int32_t x) { return Value::i32(x); });
}
Value Value::u32s(const std::vector<uint32_t>& xs) {
  return array_of(ValueType::u32, xs, [](uint32_t x) { return Value::u32(x); });
}
Value Value::i64s(const std::vector<int64_t>& xs) {
  return array_of(ValueType::i64, xs, [](int64_t x) { return Value::i64(x); });
}

std::optional<uint64_t> Value::as_uint() const {
  if (const auto* u = std::get_if<uint64_t>(&storage_)) return *u;
  if (const auto* i = std::get_if<int64_t>(&storage_); i && *i >= 0) {
    return static_cast<uint64_t>(*i);
  }
  return std::nullopt;
}

std::optional<int64_t> Value::as_int() const {
  if (const auto* i = std::get_if<int64_t>(&storage_)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&storage_);
      u && *u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<double> Value::as_float() const {
  if (const auto* d = std::get_if<double>(&storage_)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&storage_)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&storage_)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (const auto* b = std::get_if<bool>(&storage_)) return *b;
  return std::nullopt;
}

const std::string* Value::as_string() const { return std::get_if<std::string>(&storage_); }

const Array* Value::as_array() const {
  const auto* a = std::get_if<std::shared_ptr<const Array>>(&storage_);
  return a ? a->get() : nullptr;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  if (a.type_ != ValueType::array) return a.storage_ == b.storage_;
  const Array& x = *a.as_array();
  const Array& y = *b.as_array();
  return x.type == y.type && x.items == y.items;
}

}  // namespace quire::gguf
