// `quire-cli debug attention`: runs exact (kern::cpu::attention) or tensorized
// (kern::cpu::attention_tensorized) causal attention on q [N, Hq, D], k and v [N, Hkv, D] read
// from float32 or float64 .npy files, with RoPE of the GGUF "normal" kind (n_rot = D) applied
// inside at the positions the mode defines, and writes out [N, Hq, D] in q's dtype. For golden
// tests against independent numpy references; computes in float32.
#pragma once

#include "app/cli/commands.h"

namespace quire::app {

void add_debug_attention(CLI::App& debug, CommandRun& run);

}  // namespace quire::app
