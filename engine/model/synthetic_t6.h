// Synthetic "t6" (Tensor Product Attention, TPA.md) GGUF files for tests and benchmarks: random
// weights in the layout resources/convert/convert_t6.py writes (tensor names, all-ones norms,
// tied output, half-split RoPE), with a byte-level GPT-2 style vocabulary (256 byte tokens,
// <|endoftext|>, unused fillers, no merges) so that the tokenizer runs too.
// Weights are seeded (splitmix64 + Box-Muller: the same spec gives the same bytes everywhere):
// embeddings ~ N(0, 1), matrices ~ N(0, 1/cols).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engine/base/result.h"

namespace quire::engine {

struct SyntheticT6Spec {
  int64_t n_layer = 2;
  int64_t n_embd = 64;
  int64_t n_head = 4;
  int64_t head_dim = 16;  // even
  int64_t rank_q = 4;     // 0: the KV-only variant (plain attn_q)
  int64_t rank_k = 2;
  int64_t rank_v = 2;
  int64_t n_vocab = 300;  // >= 257: 256 byte tokens and <|endoftext|>
  int64_t n_ctx = 4096;   // t6.context_length written to the file
  std::string type = "f32";  // f32 or f16 matrices (norms are f32)
  uint64_t seed = 0;
};

// Errors: invalid_argument for a shape that does not add up (non-positive sizes, odd head_dim,
// vocab < 257, unknown type); io_error / permission_denied / no_space from writing.
Result<void> write_synthetic_t6(const std::filesystem::path& path, const SyntheticT6Spec& spec);

}  // namespace quire::engine
