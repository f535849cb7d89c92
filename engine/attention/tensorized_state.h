// TensorizedState: what one layer keeps to run tensorized attention (TENSORIZED.md) token by
// token with outputs equal to a prefill of the same tokens ("Decode with a KV cache").
//
// Held per layer, all float32 (hop j is 0-based, j = 0 coarsest; B_j is the block of tokens
// sharing c_0..c_{j-1}, |B_j| = n_j * stride_j, |B_0| = P):
//   - K and V of every token [n, n_head_kv, head_dim]: K as the hops read it (GLOBAL: rotated at
//     its absolute position; LOCAL: unrotated, rotated per hop at c_j). The state keeps its own
//     float copy because the KV cache's f16/q8_0 rows would not reproduce prefill.
//   - cone: X_j for j = 1..d-1 per query head; complete: closed_j for j = 1..d-1 per query head.
//     Level j is read only inside the open block B_{j-1}, so it is a ring of |B_{j-1}| rows
//     (level 1 holds every token; finer levels are dropped once their enclosing block completes).
//   - complete, d >= 2: the queries of the open level-1 block B_1 (ring of |B_1| rows, rotated
//     like K), because closed_j of a block needs its queries when the block completes.
// Outputs depend only on closed states of completed blocks, which are computed exactly as the
// prefill computes them, so append() in any chunking gives the floats of kern::cpu prefill.
//
// Hybrid mode needs no state: the prefill runs kern::cpu::attention_tensorized on float q, k, v
// (unrotated), and the KV cache must then hold K rotated at absolute positions (as full mode
// does) so that the question and answer tokens use exact kern::cpu::attention over it.
//
// Ownership and threads: owns its buffers; one thread calls append() (which spreads query heads
// over ex.pool). rope.freq_factors is copied by create(). Movable, not copyable.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "engine/attention/tensorized_hop.h"
#include "engine/base/result.h"
#include "kernels/tensorized.h"

namespace quire::engine {

// A run of positions [start, start + length) and the attention mass it receives as a whole.
struct HopSpan {
  int64_t start = 0;
  int64_t length = 1;
  double weight = 0;
};

struct TensorizedConfig {
  kern::TensorDims dims;
  kern::TensorVariant variant = kern::TensorVariant::complete;
  kern::TensorRope rope_kind = kern::TensorRope::local;
  kern::RopeParams rope;  // the model's RoPE; n_rot == 0: none
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  float scale = 0;  // usually 1 / sqrt(head_dim)
};

class TensorizedState {
 public:
  // Errors: invalid_argument for invalid dims (order outside [1, 8], an n_j < 1, P >= 2^31),
  // non-positive shapes, n_head not a multiple of n_head_kv, or an odd / too large n_rot.
  static Result<TensorizedState> create(const TensorizedConfig& config);
  TensorizedState(TensorizedState&&) = default;
  TensorizedState& operator=(TensorizedState&&) = default;
  TensorizedState(const TensorizedState&) = delete;
  TensorizedState& operator=(const TensorizedState&) = delete;

  const TensorizedConfig& config() const { return config_; }
  // Tokens appended so far (their positions are [0, size())).
  int64_t size() const { return n_; }

  // Appends m tokens at positions [size(), size() + m): q [m, n_head, head_dim] and k, v
  // [m, n_head_kv, head_dim], q and k unrotated; writes out [m, n_head, head_dim], the outputs
  // kern::*::attention_tensorized gives those positions in a prefill of all size() + m tokens.
  // Errors (nothing changes): invalid_argument for m < 1; context_overflow when the tokens pass
  // the folding's capacity P (the message says to pick larger dims).
  Result<void> append(const kern::Exec& ex, const float* q, const float* k, const float* v,
                      int64_t m, float* out);

  // Where token t looked: the head-averaged row t of the dense equivalent M (TENSORIZED.md),
  // from the hop weights, at the resolution the state can give exactly. Hop j's past entry s
  // carries the level-(j+1) state of s, which mixes a whole block (complete: the stride_j tokens
  // sharing c_0..c_j with s; cone: that block's tokens up to s), so the entry becomes one span
  // of that block with its exact total mass; how the mass splits inside the block depends on
  // queries that are no longer held. The finest hop's entries are single tokens; t itself gets
  // the mass left at the end. Spans are disjoint, lie in [0, t], come coarsest hop first and
  // sum to 1. q: t's unrotated query [n_head, head_dim], as given to append(); t < size().
  // Cost O(n_head * head_dim * sum_j n_j): a small part of one decode step. Writes `out`.
  void attention_row(int64_t t, const float* q, std::vector<HopSpan>& out) const;

  // Bytes of the per-token states now held (excludes the fixed RoPE table of sum(n_j) * n_rot
  // floats). Equals bytes_for(size(), ..., n_layer = 1, ...).
  int64_t bytes() const;
  // Bytes n_layer states take at context_length tokens: what `quire-cli inspect` reports.
  static int64_t bytes_for(int64_t context_length, const kern::TensorDims& dims,
                           kern::TensorVariant variant, int64_t n_layer, int64_t n_head,
                           int64_t n_head_kv, int64_t head_dim);

  void clear();

  // Snapshot stream (little-endian host floats): a header (magic "QTZS", version, variant, rope
  // kind, dims, head shape, n) then K, V, the levels and the query ring. The state cannot be
  // rebuilt from K and V, so snapshots must carry it.
  Result<void> save(std::ostream& out) const;
  // Replaces the contents from a save() stream of a state with the same config. Errors:
  // corrupt_data for a damaged or truncated stream, unsupported for another version, mismatch
  // for different dims, variant, rope kind or head shape. On error the state is left empty.
  Result<void> load(std::istream& in);

 private:
  explicit TensorizedState(const TensorizedConfig& config);

  // Rows each level j ring holds (levels_[j], j in [1, d)) and the query ring.
  int64_t level_ring(int64_t j) const;
  int64_t q_ring() const;
  void resize_for(int64_t n);
  bool keep_rotated() const { return config_.rope_kind == kern::TensorRope::global; }
  // The per-token work of head h at position t (its inputs already stored), and the closed
  // states of the blocks t completes.
  // q_t: the unrotated query row of (t, h); abs_rope: GLOBAL rotations of the appended positions.
  void step(int64_t t, int64_t h, const float* q_t, const RopeTable& abs_rope, HopScratch& w,
            float* out);
  void close_block(int64_t j, int64_t start, int64_t h, HopScratch& w);
  // Key / query row of token s as hop j reads it (into buf when it must be rotated).
  const float* hop_key(int64_t s, int64_t g, int64_t j, float* buf) const;
  const float* hop_query(const float* src, int64_t s, int64_t j, float* buf) const;
  // The value row hop j reads for past token s: X_{j+1} (cone) or closed_{j+1}; V when j + 1 == d.
  const float* value_row(int64_t j, int64_t s, int64_t h) const;

  TensorizedConfig config_;           // rope.freq_factors points into freq_factors_
  std::vector<float> freq_factors_;
  std::vector<RopeTable> local_rope_;  // LOCAL: one table of n_j positions per hop
  int64_t n_ = 0;
  std::vector<float> k_, v_;                // [n, n_head_kv, head_dim]
  std::vector<std::vector<float>> levels_;  // [d]; levels_[0] unused; j >= 1: ring rows
  std::vector<float> q_;                    // complete, d >= 2: ring [q_ring(), n_head, head_dim]
};

}  // namespace quire::engine
