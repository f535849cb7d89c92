#include "engine/runtime/memory_estimate.h"

#include <algorithm>

#include "engine/attention/attention_config.h"
#include "engine/attention/tensorized_state.h"
#include "engine/runtime/forward.h"
#include "kernels/kv_codec.h"

namespace quire::engine {

Result<MemoryEstimate> estimate_memory(const ModelConfig& model, int64_t weight_bytes,
                                       const SessionConfig& config) {
  if (config.n_ctx <= 0) {
    return make_error(Errc::invalid_argument, "the context size must be positive, not {}",
                      config.n_ctx);
  }
  if (config.kv_type == kern::KvType::q8_0 && model.head_dim % kern::kQ8Block != 0) {
    return make_error(Errc::invalid_argument,
                      "a q8_0 KV cache needs a head size that is a multiple of 32; this model's "
                      "is {}: choose the f16 KV type",
                      model.head_dim);
  }
  MemoryEstimate m;
  m.weights = weight_bytes;
  m.kv_cache = 2 * model.n_layer * model.n_head_kv *
               kern::kv_row_bytes(config.kv_type, model.head_dim) * config.n_ctx;
  const int64_t chunk = std::min(config.n_ctx, CpuForward::kMaxChunk);
  const int64_t widths = 2 * model.n_embd + 2 * model.q_dim() + 2 * model.kv_dim() +
                         2 * model.n_ff;
  const auto f32 = static_cast<int64_t>(sizeof(float));
  m.scratch = chunk * widths * f32 + model.n_vocab * f32;
  return m;
}

Result<MemoryEstimate> estimate_memory(const gguf::File& file, const SessionConfig& config) {
  auto model = config_from_gguf(file);
  if (!model) return model.error();
  int64_t weight_bytes = 0;
  for (const gguf::TensorInfo& t : file.tensors()) weight_bytes += static_cast<int64_t>(t.n_bytes);
  auto m = estimate_memory(*model, weight_bytes, config);
  if (!m) return m.error();
  if (config.attention.mode != AttentionMode::full) {
    auto dims = resolve_dims(config.attention, file, config.n_ctx);
    if (!dims) return dims.error();
    m->tensorized = TensorizedState::bytes_for(config.n_ctx, *dims, config.attention.variant,
                                               model->n_layer, model->n_head, model->n_head_kv,
                                               model->head_dim);
  }
  return m;
}

}  // namespace quire::engine
