// The attention a session runs (TENSORIZED.md, "Modes a user picks"):
//   full        exact causal attention everywhere (kern::cpu::attention over the KV cache);
//   tensorized  every token, prefill and decode, through a TensorizedState per layer;
//   hybrid      tensorized until the caller ends the document prefill, exact afterwards over the
//               whole KV cache (which always holds K rotated at absolute positions).
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "kernels/tensorized.h"

namespace quire::engine {

enum class AttentionMode { full, tensorized, hybrid };

// How a model's trained dims reach a context longer than their P (TENSORIZED.md, "Dims"):
// prepend adds a coarser dim n_0 = ceil(L / P) before them; grow enlarges n_1 instead.
enum class TensorExtend { prepend, grow };

struct AttentionConfig {
  AttentionMode mode = AttentionMode::full;
  kern::TensorDims dims;  // empty: resolve_dims() picks them (trained, extended, or default)
  kern::TensorVariant variant = kern::TensorVariant::complete;
  kern::TensorRope rope_kind = kern::TensorRope::local;
  TensorExtend extend = TensorExtend::prepend;
};

// Names as the CLI and fingerprints spell them ("full", "cone", "local", "prepend", ...), and
// their parsing: false for an unknown name (`out` unchanged).
const char* attention_mode_name(AttentionMode mode);
const char* tensor_variant_name(kern::TensorVariant variant);
const char* tensor_rope_name(kern::TensorRope rope);
bool parse_attention_mode(std::string_view text, AttentionMode& out);
bool parse_tensor_variant(std::string_view text, kern::TensorVariant& out);
bool parse_tensor_rope(std::string_view text, kern::TensorRope& out);
bool parse_tensor_extend(std::string_view text, TensorExtend& out);

// The GGUF key of the dims a model was trained with (an integer array or an "AxBxC" string,
// coarsest first).
inline constexpr const char* kTensorizedDimsKey = "quire.attention.tensorized.dims";

// The dims a session of n_ctx tokens folds with: the model's trained dims when the file has
// kTensorizedDimsKey, else kern::default_dims(n_ctx). Errors: corrupt_data naming the file and
// key when the value is present but not valid dims; context_overflow when the trained dims hold
// fewer than n_ctx positions (the message names both).
Result<kern::TensorDims> tensorized_dims(const gguf::File& file, int64_t n_ctx);

// `trained` stretched to hold n_ctx positions by `extend` (returned unchanged when it already
// does). Errors: context_overflow when the result would pass kern::kMaxTensorOrder dims or
// 2^31 - 1 positions (the message names the dims and the context).
Result<kern::TensorDims> extend_dims(const kern::TensorDims& trained, int64_t n_ctx,
                                     TensorExtend extend);

// The dims a session of n_ctx tokens with `config` folds with: config.dims when set (they
// must hold n_ctx positions, else context_overflow naming both); else the model's trained dims
// (kTensorizedDimsKey) extended by config.extend when n_ctx passes them; else
// kern::default_dims(n_ctx). Errors: those above and tensorized_dims' corrupt_data.
Result<kern::TensorDims> resolve_dims(const AttentionConfig& config, const gguf::File& file,
                                      int64_t n_ctx);

}  // namespace quire::engine
