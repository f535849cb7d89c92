// Shared helpers of the forward-pass tests (test_forward, test_forward_attention,
// test_tpa_forward): loading a synthetic model file the test just wrote, deterministic token ids,
// an f32 or f16 KV cache for a model, and the largest elementwise difference of two logit rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/runtime/kv_cache.h"

namespace quire::engine::testing {

// A fresh folder `name` under the system temp folder (created if missing) for a test's models.
std::filesystem::path model_dir(const std::string& name);

// Loads the model at `path` after `written` (the writer's result) said it was written; a failed
// write or load is a test failure (EXPECT), and nullptr comes back.
std::shared_ptr<const Model> load_written_model(const std::filesystem::path& path, bool written);

// `n` ids in [0, n_vocab) from a linear congruential sequence started at `seed`.
std::vector<int32_t> some_tokens(int64_t n, int64_t n_vocab, uint32_t seed);

// A KV cache of `n_ctx` positions for `m`; a failed create is a test failure.
KvCache make_cache(const Model& m, int64_t n_ctx, kern::KvType type = kern::KvType::f32);

// max |a[i] - b[i]| over n elements.
float max_diff(const float* a, const float* b, int64_t n);
// The same over two vectors; unequal sizes are a test failure (the shorter length is compared).
float max_diff(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace quire::engine::testing
