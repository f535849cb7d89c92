#include "engine/attention/attention_config.h"

#include <string>
#include <utility>

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

Result<kern::TensorDims> extend_dims(const kern::TensorDims& trained, int64_t n_ctx,
                                     TensorExtend extend) {
  const int64_t p = trained.capacity();
  if (n_ctx <= p) return trained;
  kern::TensorDims out = trained;
  if (extend == TensorExtend::prepend) {
    out.n.insert(out.n.begin(), (n_ctx + p - 1) / p);
  } else {
    const int64_t inner = p / trained.n.front();  // positions below one n_1 step
    out.n.front() = (n_ctx + inner - 1) / inner;
  }
  if (out.order() > kern::kMaxTensorOrder || out.capacity() >= (int64_t{1} << 31)) {
    return make_error(Errc::context_overflow,
                      "the model's tensorized dims {} cannot be extended to a context of {} "
                      "tokens ({} would need {} dims, at most {} and fewer than 2^31 "
                      "positions); pick a smaller context or set --tensor-dims",
                      trained.to_string(), n_ctx, out.to_string(), out.order(),
                      kern::kMaxTensorOrder);
  }
  return out;
}

Result<kern::TensorDims> resolve_dims(const AttentionConfig& config, const gguf::File& file,
                                      int64_t n_ctx) {
  if (!config.dims.n.empty()) {
    if (config.dims.capacity() < n_ctx) {
      return make_error(Errc::context_overflow,
                        "tensorized dims {} hold {} positions, fewer than the context of {} "
                        "tokens; pick larger dims or a smaller context",
                        config.dims.to_string(), config.dims.capacity(), n_ctx);
    }
    return config.dims;
  }
  if (!file.find(kTensorizedDimsKey)) return kern::default_dims(n_ctx);
  // The trained dims at their own capacity, then stretched to n_ctx.
  auto trained = tensorized_dims(file, 1);
  if (!trained) return trained.error();
  return extend_dims(*trained, n_ctx, config.extend);
}

namespace {

template <typename E, size_t N>
bool parse_name(std::string_view text, const std::pair<const char*, E> (&names)[N], E& out) {
  for (const auto& [name, value] : names) {
    if (text == name) {
      out = value;
      return true;
    }
  }
  return false;
}

constexpr std::pair<const char*, AttentionMode> kModes[] = {
    {"full", AttentionMode::full}, {"tensorized", AttentionMode::tensorized},
    {"hybrid", AttentionMode::hybrid}};
constexpr std::pair<const char*, kern::TensorVariant> kVariants[] = {
    {"complete", kern::TensorVariant::complete}, {"cone", kern::TensorVariant::cone}};
constexpr std::pair<const char*, kern::TensorRope> kRopes[] = {
    {"local", kern::TensorRope::local}, {"global", kern::TensorRope::global}};
constexpr std::pair<const char*, TensorExtend> kExtends[] = {
    {"prepend", TensorExtend::prepend}, {"grow", TensorExtend::grow}};

template <typename E, size_t N>
const char* name_of(E value, const std::pair<const char*, E> (&names)[N]) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace

const char* attention_mode_name(AttentionMode mode) { return name_of(mode, kModes); }
const char* tensor_variant_name(kern::TensorVariant variant) { return name_of(variant, kVariants); }
const char* tensor_rope_name(kern::TensorRope rope) { return name_of(rope, kRopes); }
bool parse_attention_mode(std::string_view text, AttentionMode& out) {
  return parse_name(text, kModes, out);
}
bool parse_tensor_variant(std::string_view text, kern::TensorVariant& out) {
  return parse_name(text, kVariants, out);
}
bool parse_tensor_rope(std::string_view text, kern::TensorRope& out) {
  return parse_name(text, kRopes, out);
}
bool parse_tensor_extend(std::string_view text, TensorExtend& out) {
  return parse_name(text, kExtends, out);
}

}  // namespace quire::engine
