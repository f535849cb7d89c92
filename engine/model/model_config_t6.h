// The "t6" (Tensor Product Attention, TPA.md) part of ModelConfig: the factor ranks and the
// shape rules TPA adds to the llama keys config_from_gguf already read under "t6.".
#pragma once

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"

namespace quire::engine {

// The largest factor rank accepted: T6 uses 1..16; far above keeps products in range.
inline constexpr int64_t kMaxTpaRank = 1024;

// Reads t6.attention.rank_q (0: KV-only), rank_k and rank_v (>= 1) into `c` and sets T6's RoPE
// (half-split rotation, resources/convert/convert_t6.py explains why +angle is right for the
// converted weights). Errors: corrupt_data naming the key for a missing or out-of-range rank,
// or for head_count_kv != head_count (TPA has one K and V factor set per head).
Result<void> read_t6_config(const gguf::File& file, ModelConfig& c);

}  // namespace quire::engine
