#include "forward_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/runtime/forward.h"

namespace quire::engine::testing {

std::filesystem::path model_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(dir);
  return dir;
}

std::shared_ptr<const Model> load_written_model(const std::filesystem::path& path, bool written) {
  EXPECT_TRUE(written) << path;
  auto m = Model::load(path);
  EXPECT_TRUE(m) << (m ? "" : m.error().message);
  return m ? *m : nullptr;
}

std::vector<int32_t> some_tokens(int64_t n, int64_t n_vocab, uint32_t seed) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  uint32_t s = seed;
  for (int32_t& id : t) {
    s = s * 1664525u + 1013904223u;
    id = static_cast<int32_t>(s % static_cast<uint32_t>(n_vocab));
  }
  return t;
}

KvCache make_cache(const Model& m, int64_t n_ctx, kern::KvType type) {
  auto c = KvCache::create(kv_cache_config(m.config(), n_ctx, type));
  EXPECT_TRUE(c);
  return std::move(*c);
}

float max_diff(const float* a, const float* b, int64_t n) {
  float d = 0.0f;
  for (int64_t i = 0; i < n; ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  return max_diff(a.data(), b.data(), int64_t(std::min(a.size(), b.size())));
}

}  // namespace quire::engine::testing
