// The memory a session of a model will need, before loading it: what the model manager shows
// and checks against the machine's RAM.
//
//   weights     the bytes of every tensor in the file (mapped, not copied, but all of them are
//               read by each forward pass, so they must fit in RAM to run at speed);
//   kv_cache    K and V of n_ctx tokens over all layers in the KV type (KvCache::capacity_bytes);
//   tensorized  the tensorized states at n_ctx tokens (tensorized and hybrid modes; hybrid's
//               peak, before its document prefill ends); 0 in full mode;
//   scratch     the forward pass's activations for one chunk of min(n_ctx, kMaxChunk) tokens
//               (residual, normed, q, k, v, attention out, ffn gate and up, all f32) and one
//               row of f32 logits.
// Not counted: the tokenizer, per-thread kernel buffers and the allocator's overhead, which are
// small next to these for any real model; the estimate is a lower bound on the peak.
//
// Threads: pure functions; safe on any thread.
#pragma once

#include <cstdint>

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"
#include "engine/runtime/session.h"

namespace quire::engine {

struct MemoryEstimate {
  int64_t weights = 0;     // bytes
  int64_t kv_cache = 0;
  int64_t tensorized = 0;
  int64_t scratch = 0;

  int64_t total() const { return weights + kv_cache + tensorized + scratch; }
};

// The KV cache and scratch of `model` at config.n_ctx in config.kv_type, with `weight_bytes`
// of weights; tensorized stays 0 (it needs the file's dims: see the overload below).
// Errors: invalid_argument for a non-positive n_ctx or a q8_0 cache on a head size that is not
// a multiple of 32 (the message says to choose f16).
Result<MemoryEstimate> estimate_memory(const ModelConfig& model, int64_t weight_bytes,
                                       const SessionConfig& config);

// The same for a GGUF file (its config and tensor bytes), with the tensorized states of
// config.attention resolved for config.n_ctx (resolve_dims). Errors: config_from_gguf's (an
// unsupported or corrupt model), resolve_dims' and the above.
Result<MemoryEstimate> estimate_memory(const gguf::File& file, const SessionConfig& config);

}  // namespace quire::engine
