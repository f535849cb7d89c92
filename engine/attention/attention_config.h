// The attention a session runs (TENSORIZED.md, "Modes a user picks"):
//   full        exact causal attention everywhere (kern::cpu::attention over the KV cache);
//   tensorized  every token, prefill and decode, through a TensorizedState per layer;
//   hybrid      tensorized until the caller ends the document prefill, exact afterwards over the
//               whole KV cache (which always holds K rotated at absolute positions).
#pragma once

#include <cstdint>

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "kernels/tensorized.h"

namespace quire::engine {

enum class AttentionMode { full, tensorized, hybrid };

struct AttentionConfig {
  AttentionMode mode = AttentionMode::full;
  kern::TensorDims dims;  // empty: tensorized_dims(file, n_ctx)
  kern::TensorVariant variant = kern::TensorVariant::complete;
  kern::TensorRope rope_kind = kern::TensorRope::local;
};

// The GGUF key of the dims a model was trained with (an integer array or an "AxBxC" string,
// coarsest first).
inline constexpr const char* kTensorizedDimsKey = "quire.attention.tensorized.dims";

// The dims a session of n_ctx tokens folds with: the model's trained dims when the file has
// kTensorizedDimsKey, else kern::default_dims(n_ctx). Errors: corrupt_data naming the file and
// key when the value is present but not valid dims; context_overflow when the trained dims hold
// fewer than n_ctx positions (the message names both).
Result<kern::TensorDims> tensorized_dims(const gguf::File& file, int64_t n_ctx);

}  // namespace quire::engine
