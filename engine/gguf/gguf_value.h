// A GGUF metadata value: a scalar of one of GGUF's twelve types, a string, or a typed array
// whose items are Values again (arrays of arrays nest). Values are immutable once built and
// cheap to copy (arrays are shared, not deep-copied).
//
// Storage: unsigned integers widen to uint64_t, signed ones to int64_t, f32/f64 to double;
// type() keeps the exact GGUF type, so a writer emits the same bytes a reader consumed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace quire::gguf {

// GGUF's metadata value types, with their on-disk ids.
enum class ValueType : uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

// "u32", "string", ...; "unknown" for ids outside the enum.
std::string_view value_type_name(ValueType type);
// nullopt for ids GGUF does not define.
std::optional<ValueType> value_type_from_id(uint32_t id);

class Value;

// Every item has type `type` (for type == array, each item is itself an Array Value).
struct Array {
  ValueType type = ValueType::u8;
  std::vector<Value> items;
};

class Value {
 public:
  static Value u8(uint8_t x);
  static Value i8(int8_t x);
  static Value u16(uint16_t x);
  static Value i16(int16_t x);
  static Value u32(uint32_t x);
  static Value i32(int32_t x);
  static Value u64(uint64_t x);
  static Value i64(int64_t x);
  static Value f32(float x);
  static Value f64(double x);
  static Value boolean(bool x);
  static Value str(std::string s);
  // Throws std::invalid_argument when an item's type differs from `type` (a programming
  // error: files never get here, the reader builds arrays item by item with the right type).
  static Value array(ValueType type, std::vector<Value> items);
  static Value strings(const std::vector<std::string>& items);
  static Value floats(const std::vector<float>& items);
  static Value i32s(const std::vector<int32_t>& items);
  static Value u32s(const std::vector<uint32_t>& items);
  static Value i64s(const std::vector<int64_t>& items);

  ValueType type() const { return type_; }

  // Any integer type whose value fits (a negative i32 has no as_uint). Not bool, not floats.
  std::optional<uint64_t> as_uint() const;
  std::optional<int64_t> as_int() const;
  // f32 and f64; integers convert too (a config may store 10000 as u32 where f32 is usual).
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  // nullptr unless the value is of that kind; valid while the Value lives.
  const std::string* as_string() const;
  const Array* as_array() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  using Storage =
      std::variant<uint64_t, int64_t, double, bool, std::string, std::shared_ptr<const Array>>;
  Value(ValueType type, Storage storage) : type_(type), storage_(std::move(storage)) {}

  ValueType type_;
  Storage storage_;
};

}  // namespace quire::gguf
