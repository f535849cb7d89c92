// CpuForward: the Llama forward pass on the CPU (kern::cpu ops), exact attention over a KvCache.
//
// Per token at position p (llama.cpp's "llama" graph, tests/golden/llama_ref.py):
//   x = token_embd[token]
//   per layer: h = rms_norm(x, attn_norm); q, k, v = h Wq^T, h Wk^T, h Wv^T; rope(q, k at p);
//              append k, v to the cache; x += attention(q, cache) Wo^T;
//              h = rms_norm(x, ffn_norm); x += (silu(h Wgate^T) * h Wup^T) Wdown^T
//   logits = rms_norm(x, output_norm) Wout^T
// "t6" models (TPA.md) run the same block with tensor product attention instead of q, k, v:
// factor projections, a cache of factor rows and attention from the factors (forward_tpa.cpp).
// Tokens run in chunks of at most kMaxChunk positions (bounded scratch, and a point between
// chunks to honour a stop request); each chunk runs as one batch through every layer.
//
// Ownership and threads: one CpuForward per Session; it owns its scratch buffers (grown on
// demand, reused across calls) and shares the Model. Not thread-safe: one thread calls run().
// The ThreadPool is borrowed (nullptr: everything on the calling thread) and must outlive it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <stop_token>
#include <vector>

#include "engine/attention/attention_config.h"
#include "engine/attention/tensorized_state.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/model/model.h"
#include "engine/runtime/attention_recorder.h"
#include "engine/runtime/kv_cache.h"
#include "kernels/thread_pool.h"

namespace quire::engine {

// The KvCache shape this model needs for a context of n_ctx tokens in `type`. For "t6" (TPA) the
// cache holds factor rows instead of K and V (kernels/tpa.h): one "head" of TpaShape::row_elems()
// per token and layer, f32 or f16 only.
KvCacheConfig kv_cache_config(const ModelConfig& config, int64_t n_ctx, kern::KvType type);

class CpuForward {
 public:
  static constexpr int64_t kMaxChunk = 512;  // tokens per batch through the layers

  CpuForward(std::shared_ptr<const Model> model, kern::ThreadPool* pool);
  // With an attention mode (attention_config.h). tensorized / hybrid keep one TensorizedState
  // per layer, created on the first run() for the cache's n_ctx; it must then follow that cache
  // (run() refuses with Errc::mismatch when their token counts differ).
  CpuForward(std::shared_ptr<const Model> model, kern::ThreadPool* pool,
             AttentionConfig attention);

  // hybrid: the document prefill is over; later tokens use exact attention over the KV cache
  // and the tensorized states are released. No effect in the other modes.
  void end_tensorized_prefill();
  // The tensorized states, one per layer (empty in full mode, before the first run, and in
  // hybrid after end_tensorized_prefill()): for snapshots and memory reports.
  const std::vector<TensorizedState>& tensorized_states() const { return states_; }
  const AttentionConfig& attention() const { return attention_; }
  // hybrid: whether end_tensorized_prefill() was called since the last reset_attention().
  bool tensorized_prefill_ended() const { return prefill_ended_; }
  // Drops the tensorized states and, in hybrid, starts a new document prefill: what a cleared
  // KV cache needs (Session::clear()).
  void reset_attention();

  // Snapshot stream of the attention state: u8 prefill ended, u32 state count, then each
  // TensorizedState::save() stream. Errors: those of TensorizedState::save.
  Result<void> save_attention(std::ostream& out) const;
  // Replaces the attention state from a save_attention() stream made for `cache` (which must
  // already hold its tokens). Errors: corrupt_data for a damaged stream or a state count that
  // is neither 0 nor n_layer (or not what the mode runs), mismatch for states whose config or
  // token count differs from this forward's and the cache's; on error the state is reset.
  Result<void> load_attention(std::istream& in, const KvCache& cache);

  const Model& model() const { return *model_; }

  // Borrowed (nullptr: none): filled for every single-token run(), one record per layer
  // (attention_recorder.h): positions under exact attention, hop-weight spans under tensorized. Must outlive its use or be reset to nullptr.
  void set_attention_recorder(AttentionRecorder* recorder) { recorder_ = recorder; }

  // Runs `tokens` at positions [cache.size(), cache.size() + n) through the model, appending
  // their keys and values to `cache`, and writes float32 logits into `logits` (resized):
  // [n, n_vocab] when all_logits, else [1, n_vocab] for the last token only.
  // `progress`, when given, advances by each chunk's token count.
  // Errors (nothing is run and the cache is untouched): invalid_argument for an empty token
  // list or a token id outside [0, n_vocab) (the message names the id and n_vocab); mismatch
  // when the cache was not made for this model (kv_cache_config); context_overflow when the
  // tokens do not fit the cache's capacity.
  // Cancellation: `stop` is checked before each chunk; when it is requested the call returns
  // Errc::cancelled, the cache keeps every whole chunk already run (cache.size() tells how far,
  // so a caller may resume from there) and `logits` is left empty.
  Result<void> run(KvCache& cache, std::span<const int32_t> tokens, bool all_logits,
                   std::vector<float>& logits, std::stop_token stop = {},
                   ProgressTracker* progress = nullptr);

 private:
  Result<void> validate(const KvCache& cache, std::span<const int32_t> tokens) const;
  // One chunk of n tokens at positions [pos, pos + n); `out` receives n_out rows of logits for
  // the chunk's last n_out tokens (0: none).
  Result<void> run_chunk(KvCache& cache, const int32_t* tokens, int64_t n, int64_t pos,
                         float* out, int64_t n_out);
  void reserve(int64_t n);
  bool tensorized_now() const;
  // t6 (TPA.md, forward_tpa.cpp): layer l's attention of the chunk from the normed h_ into attn_:
  // factor projections, RoPE on B_Q / B_K, factor rows appended to the cache, attention from the
  // factors (or tensorized over K and V materialized for the chunk).
  Result<void> tpa_attention_layer(KvCache& cache, int64_t l, int64_t n, int64_t pos);
  // Creates the states on first use and checks they follow `cache` and fit n more tokens.
  Result<void> prepare_states(const KvCache& cache, int64_t n);
  // One empty state per layer for a cache of n_ctx tokens.
  Result<void> create_states(int64_t n_ctx);

  std::shared_ptr<const Model> model_;
  kern::Exec exec_;
  int64_t capacity_ = 0;  // tokens the scratch buffers hold
  // Scratch, [capacity_, width] each: residual x, normed h, q, k, v, attention output, ffn
  // gate and up.
  std::vector<float> x_, h_, q_, k_, v_, attn_, gate_, up_;
  std::vector<int32_t> pos_;
  // t6 scratch, grown on demand: query factors, packed K and V factor rows, and the A / B
  // projections before packing.
  std::vector<float> tpa_q_, tpa_k_, tpa_v_, tpa_a_, tpa_b_;
  AttentionConfig attention_;
  bool prefill_ended_ = false;
  std::vector<TensorizedState> states_;
  AttentionRecorder* recorder_ = nullptr;
  std::vector<HopSpan> spans_;  // scratch of the tensorized recording
};

}  // namespace quire::engine
