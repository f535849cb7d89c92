// KvCache: the keys and values of every layer for one session, in the element type the
// attention op reads (kern::KvType: f16 by default, q8_0 to halve memory again, f32 for tests).
//
// Layout: per layer, K and V are [n_ctx, n_head_kv, head_dim] rows, each head row encoded as
// kern::kv_encode_row does (q8_0: head_dim / 32 blocks), so k_data(l) / v_data(l) feed
// kern::*::attention directly with n_kv = layer_size(l).
// The forward pass appends layer by layer; a layer holds a prefix [0, layer_size) of positions.
// size() is the prefix every layer holds.
// Ownership and threads: the cache owns its memory (allocated once, capacity n_ctx, untouched
// until written); one Session thread uses it; not copyable, movable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

#include "engine/base/result.h"
#include "kernels/kernels.h"

namespace quire::engine {

struct KvCacheConfig {
  int64_t n_layer = 0;
  int64_t n_ctx = 0;      // capacity in tokens
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;   // a multiple of 32 for q8_0
  kern::KvType type = kern::KvType::f16;
};

class KvCache {
 public:
  // Errors: invalid_argument for non-positive sizes or a q8_0 head_dim not a multiple of 32;
  // out_of_memory when the capacity cannot be allocated (the message says how much it needs).
  static Result<KvCache> create(const KvCacheConfig& config);

  const KvCacheConfig& config() const { return config_; }
  // Bytes one token takes over all layers, K and V: what a longer context costs.
  int64_t bytes_per_token() const { return 2 * config_.n_layer * config_.n_head_kv * row_bytes_; }
  int64_t capacity_bytes() const { return bytes_per_token() * config_.n_ctx; }
  // Bytes of one head row (head_dim elements) in the cache's type.
  int64_t row_bytes() const { return row_bytes_; }

  // Positions every layer holds.
  int64_t size() const;
  int64_t layer_size(int64_t layer) const { return sizes_[size_t(layer)]; }

  // Writes positions [pos, pos + n_tokens) of `layer` from f32 k and v [n_tokens, n_head_kv,
  // head_dim]; the layer then holds [0, pos + n_tokens) (anything it held beyond is dropped).
  // Errors: invalid_argument for a bad layer or a pos past layer_size (a hole);
  // context_overflow when pos + n_tokens > n_ctx.
  Result<void> append(int64_t layer, int64_t pos, int64_t n_tokens, const float* k,
                      const float* v);

  // Encoded rows of `layer` for the attention op; layer in [0, n_layer) (unchecked).
  const void* k_data(int64_t layer) const { return base(layer); }
  const void* v_data(int64_t layer) const { return base(layer) + layer_bytes_; }

  void clear();
  // Keeps positions [0, n_tokens) in every layer. Errors: invalid_argument when n_tokens < 0 or
  // n_tokens > size().
  Result<void> truncate(int64_t n_tokens);

  // Snapshot stream: a little-endian header (magic "QKVC", version, type, n_layer, n_head_kv,
  // head_dim, n_tokens) then, per layer, the K and V rows of positions [0, size()).
  Result<void> save(std::ostream& out) const;
  // Replaces the contents from a save() stream of a cache with the same type, layer count and
  // head shape (n_ctx may differ if the tokens fit). Errors: corrupt_data for a damaged or
  // truncated stream, mismatch for a different shape or type, context_overflow when the
  // snapshot holds more tokens than n_ctx. On error the cache is left empty.
  Result<void> load(std::istream& in);

 private:
  // Frees memory from std::aligned_alloc.
  struct FreeBytes {
    void operator()(std::byte* p) const;
  };
  using Bytes = std::unique_ptr<std::byte[], FreeBytes>;

  KvCache(const KvCacheConfig& config, int64_t row_bytes, Bytes data);
  std::byte* base(int64_t layer) const { return data_.get() + layer * 2 * layer_bytes_; }

  KvCacheConfig config_;
  int64_t row_bytes_;
  int64_t layer_bytes_;  // one of K or V of one layer: n_ctx * n_head_kv * row_bytes
  Bytes data_;
  std::vector<int64_t> sizes_;
};

}  // namespace quire::engine
