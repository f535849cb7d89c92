// ModelConfig: the hyperparameters of a GGUF "llama" model, read from its metadata the way
// llama.cpp's loader reads them (src/llama-model.cpp load_hparams), with the same refusals.
#pragma once

#include <cstdint>
#include <string>

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "kernels/kernels.h"

namespace quire::engine {

struct ModelConfig {
  std::string arch;        // general.architecture: "llama" or "t6"
  std::string name;        // general.name, empty when absent
  int64_t n_layer = 0;
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;    // per-head width of Q, K and V (attention.key_length)
  int64_t n_rot = 0;       // rope.dimension_count; == head_dim for "llama"
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0; // context_length; 0 when the file does not say
  float rms_eps = 0.0f;
  float rope_base = 10000.0f;
  float freq_scale = 1.0f;  // linear RoPE scaling: 1 / rope.scaling.factor
  kern::RopeMode rope_mode = kern::RopeMode::normal;
  // "t6" (Tensor Product Attention, TPA.md) only: the factor ranks of Q, K and V; rank_q 0 is
  // the KV-only variant (Q from a plain attn_q projection). 0 for "llama".
  int64_t rank_q = 0;
  int64_t rank_k = 0;
  int64_t rank_v = 0;
  bool is_tpa() const { return rank_k > 0; }

  // Q / KV projection widths.
  int64_t q_dim() const { return n_head * head_dim; }
  int64_t kv_dim() const { return n_head_kv * head_dim; }
};

// "t6" reads the same keys under "t6." plus attention.rank_q/rank_k/rank_v (model_config_t6.h).
// Errors: unsupported for an architecture other than "llama" or "t6" (the message lists what is
// supported), for mixture-of-experts models and for RoPE scaling types other than none/linear;
// corrupt_data for a missing required key, a mistyped value or values that contradict each
// other (rope.dimension_count != key length, vocab_size vs tokenizer token count, a head count
// that does not divide, ...). Every message names the file and the key.
Result<ModelConfig> config_from_gguf(const gguf::File& file);

}  // namespace quire::engine
