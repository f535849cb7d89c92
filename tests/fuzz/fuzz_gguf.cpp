// libFuzzer target for the GGUF reader: any bytes must give a File or an Error, never a crash,
// a sanitizer report or an out-of-bounds read. When parsing succeeds it touches everything a
// model loader would (every value, every getter, the first and last byte of every tensor), so
// a validation gap shows up as an ASan report on libFuzzer's exactly sized input buffer.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/gguf/gguf.h"

namespace {

volatile uint64_t g_sink;  // keeps the reads below from being optimized away

void touch(const quire::gguf::Value& v) {
  if (auto u = v.as_uint()) g_sink = g_sink + *u;
  if (auto f = v.as_float()) g_sink = g_sink + static_cast<uint64_t>(*f != 0.0);
  if (const std::string* s = v.as_string()) g_sink = g_sink + s->size();
  if (const quire::gguf::Array* a = v.as_array()) {
    for (const auto& item : a->items) touch(item);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = quire::gguf::File::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
  if (!file) return 0;
  for (const auto& [key, value] : file->metadata()) {
    touch(value);
    g_sink = g_sink + file->get_strings(key).ok() + file->get_floats(key).ok() +
             file->get_ints(key).ok() + file->get_uint(key).ok() + file->get_string(key).ok();
  }
  for (const auto& t : file->tensors()) {
    const uint8_t* p = file->tensor_data(t);
    g_sink = g_sink + p[0] + p[t.n_bytes - 1] + (file->find_tensor(t.name) == &t);
  }
  return 0;
}
