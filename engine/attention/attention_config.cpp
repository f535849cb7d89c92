#include "engine/attention/attention_config.h"

#include <string>

namespace quire::engine {

Result<kern::TensorDims> tensorized_dims(const gguf::File& file, int64_t n_ctx) {
  if (!file.find(kTensorizedDimsKey)) return kern::default_dims(n_ctx);
  std::string text;
  if (auto s = file.get_string(kTensorizedDimsKey)) {
    text = *s;
  } else if (auto ints = file.get_ints(kTensorizedDimsKey)) {
    for (size_t i = 0; i < ints->size(); ++i) {
      if (i > 0) text += 'x';
      text += std::to_string((*ints)[i]);
    }
  } else {
    return make_error(Errc::corrupt_data, "{}: {} is neither an integer array nor a string",
                      file.name(), kTensorizedDimsKey);
  }
  kern::TensorDims dims;
  if (std::string err = kern::parse_dims(text, dims); !err.empty()) {
    return make_error(Errc::corrupt_data, "{}: {}: {}", file.name(), kTensorizedDimsKey, err);
  }
  if (dims.capacity() < n_ctx) {
    return make_error(Errc::context_overflow,
                      "{}: the model's tensorized dims {} hold {} positions, fewer than the "
                      "context of {} tokens; pick a smaller context",
                      file.name(), dims.to_string(), dims.capacity(), n_ctx);
  }
  return dims;
}

}  // namespace quire::engine
