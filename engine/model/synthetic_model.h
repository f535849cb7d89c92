// Synthetic Llama GGUF files for tests and benchmarks: random weights of a real model's shape,
// written with Quire's own GGUF writer and quantized with kern::ref::quantize, plus a working
// SentencePiece vocabulary so that the tokenizer, the forward pass and generation all run.
//
// Weights are seeded (the same spec gives the same bytes on every platform: a splitmix64 stream
// and Box-Muller normals, no std:: distributions) and scaled so that activations stay O(1):
// embeddings ~ N(0, 1), matrices ~ N(0, 1/cols), norm weights ~ 1 + N(0, 0.1^2), the output
// head ~ N(0, 9/n_embd) so that logits spread enough for a stable greedy argmax.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/base/result.h"

namespace quire::engine {

struct SyntheticShape {
  std::string name;
  int64_t n_layer = 0;
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t n_vocab = 0;  // >= 259 + 26: specials, 256 byte tokens, a few pieces
  int64_t n_ctx = 0;    // llama.context_length written to the file
};

// "tiny" (2 layers, 256 wide, 8 heads over 2 kv heads, vocab 384), "tiny-mha" (the same with
// 8 kv heads), "stories15m", "stories110m", "tinyllama". Errors: invalid_argument naming the
// known shapes.
Result<SyntheticShape> synthetic_shape(std::string_view name);

struct SyntheticSpec {
  SyntheticShape shape;
  // f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, or the llama.cpp-style mixes q4_k_m, q5_k_m
  // (output and every other attn_v / ffn_down layer in q6_K, the rest q4_K / q5_K). Norms are
  // always f32. A matrix whose rows are not whole blocks of the type falls back to q8_0, as
  // llama.cpp falls back for K-quants on 288-wide models.
  std::string type = "f32";
  uint64_t seed = 0;
  bool tied_output = false;  // no output.weight: the head reuses token_embd.weight
  bool llama3_rope = false;  // write rope_freqs.weight (llama3 scaling, original context 64)
  float rope_base = 10000.0f;
  float rope_scale = 0.0f;   // llama.rope.scaling.factor (linear); 0: not written
};

// Errors: invalid_argument for an unknown type or a shape that does not add up (heads not
// dividing, vocab too small); io_error / permission_denied / no_space from writing.
Result<void> write_synthetic_llama(const std::filesystem::path& path, const SyntheticSpec& spec);

}  // namespace quire::engine
