// Model: a loaded GGUF "llama" or "t6" (TPA.md) model: its config, tokenizer and weight views into
// the mapped file.
//
// Ownership and threads: immutable after load(); shared as std::shared_ptr<const Model> by every
// Session that runs it, from any number of threads. Weight views point into the memory-mapped
// GGUF file the Model owns (no copy of the big matrices), so they are valid while the Model
// lives. Only small 1-D tensors (norms, rope_freqs) are converted to f32 copies on load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "kernels/dtype.h"

namespace quire::engine {

// A 2-D weight matrix [rows, cols] in the GGUF/PyTorch [out, in] layout: `rows` rows of
// kern::row_bytes(type, cols) bytes each (cols is GGUF's ne[0], the contiguous dimension), as
// kern::*::matmul_w and dequantize read them.
struct WeightView {
  kern::DType type = kern::DType::f32;
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
};

struct LayerWeights {
  const float* attn_norm = nullptr;  // [n_embd]
  WeightView wq;                     // [q_dim, n_embd]; t6: only in the KV-only variant
  // t6 (TPA.md) factor projections, empty for llama: A rows are head*R + r, B rows r*D + j.
  WeightView wa_q, wb_q;             // [n_head * rank_q, n_embd], [rank_q * head_dim, n_embd]
  WeightView wa_k, wb_k;             // [n_head * rank_k, n_embd], [rank_k * head_dim, n_embd]
  WeightView wa_v, wb_v;             // [n_head * rank_v, n_embd], [rank_v * head_dim, n_embd]
  WeightView wk;                     // [kv_dim, n_embd]; llama only
  WeightView wv;                     // [kv_dim, n_embd]; llama only
  WeightView wo;                     // [n_embd, q_dim]
  const float* ffn_norm = nullptr;   // [n_embd]
  WeightView w_gate;                 // [n_ff, n_embd]
  WeightView w_up;                   // [n_ff, n_embd]
  WeightView w_down;                 // [n_embd, n_ff]
};

class Model {
 public:
  // Opens and validates the GGUF file, reads the config and the tokenizer, and looks up every
  // tensor with its expected shape. Errors: not_found / permission_denied / corrupt_data /
  // unsupported from the file (gguf.h) and the config (model_config.h); corrupt_data naming the
  // tensor for a missing or misshaped tensor or a matrix whose row length does not fit its
  // type's block; unsupported for a tensor type the kernels cannot read.
  static Result<std::shared_ptr<const Model>> load(const std::filesystem::path& path);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const gguf::File& file() const { return file_; }

  const WeightView& token_embd() const { return token_embd_; }  // [n_vocab, n_embd]
  const float* output_norm() const { return output_norm_.data(); }  // [n_embd]
  // [n_vocab, n_embd]: output.weight, or token_embd.weight when the head is tied.
  const WeightView& output() const { return output_; }
  bool tied_output() const { return tied_output_; }
  // [n_rot / 2] per-frequency divisors from rope_freqs.weight; nullptr when absent.
  const float* rope_freqs() const { return rope_freqs_.empty() ? nullptr : rope_freqs_.data(); }
  const LayerWeights& layer(int64_t i) const { return layers_[size_t(i)]; }

  // The RoPE parameters of this model for the rope kernel (borrowing rope_freqs()).
  kern::RopeParams rope_params() const;

  // A stable 32-hex-digit id of the model: FNV-1a 128 over the file size, every byte before
  // the tensor data (header, metadata, tensor infos: names, shapes, types, offsets) and a sample
  // of every tensor's bytes (first, middle and last 4 KiB). Not over all the weights: hashing
  // gigabytes would make every load take seconds; a fine-tune changes every tensor, so the
  // sample tells it apart even when its header is identical.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  explicit Model(gguf::File file) : file_(std::move(file)) {}

  gguf::File file_;
  ModelConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  WeightView token_embd_;
  WeightView output_;
  bool tied_output_ = false;
  std::vector<float> output_norm_;
  std::vector<float> rope_freqs_;
  std::vector<std::vector<float>> norms_;  // owned f32 copies of per-layer norm weights
  std::vector<LayerWeights> layers_;
  std::string fingerprint_;
};

}  // namespace quire::engine
