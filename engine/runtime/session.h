// Session: one conversation with a model: the tokens so far, their KV cache, the logits of the
// last token and the sampler that picks the next one.
//
// The model is shared and immutable (many sessions may use one); everything else belongs to the
// session. Invariant: tokens().size() == the positions the KV cache holds, and logits() are the
// model's output after the last of tokens() (empty while there are no tokens).
//
// Thread: a Session is owned by one thread (the inference worker); no method may be called
// concurrently with another. Not copyable, movable only through its unique_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/model/model.h"
#include "engine/runtime/forward.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/sampler.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace quire::engine {

struct SessionConfig {
  int64_t n_ctx = 4096;                      // KV capacity in tokens
  kern::KvType kv_type = kern::KvType::f16;  // element type of the KV cache
  int n_threads = 0;                         // CPU threads for the forward pass; 0: all cores
  SamplerConfig sampler;
  // Full, tensorized or hybrid attention. Session::create fills empty dims with resolve_dims()
  // for n_ctx (so that config() and the fingerprint name the folding the session runs).
  AttentionConfig attention;
  // What the KV cache rows hold: empty for K and V (llama); "tpa_factors" for t6 models, whose
  // cache holds TPA factor rows (kernels/tpa.h). Session::create sets it from the model.
  std::string kv_layout;
};

// One setting that shapes the KV state, as text: ("kv_type", "f16").
using ConfigEntry = std::pair<std::string, std::string>;

// Every setting of `config` that changes what the KV cache holds for a given token sequence, in
// a fixed order. A snapshot can only be continued under the same entries. Settings that only
// bound or schedule the work (n_ctx, n_threads) or act after the logits (sampler) are
// not entries. A non-empty kv_layout adds kv_layout (so a factor cache never loads as K and V). Full attention adds none (so version-1 snapshots keep their fingerprint);
// tensorized and hybrid add attention, tensor_dims ("auto" while unresolved), tensor_variant
// and tensor_rope.
std::vector<ConfigEntry> config_entries(const SessionConfig& config);

// config_entries as one line, "kv_type=f16" or
// "kv_type=f16;attention=hybrid;tensor_dims=4x128;tensor_variant=complete;tensor_rope=local", entries joined by ';': what snapshots record and
// compare, and what error messages show.
std::string config_fingerprint(const SessionConfig& config);

class Session {
 public:
  // Errors: invalid_argument for a non-positive n_ctx or negative n_threads, or a KV type the model's head
  // size cannot use; resolve_dims()'s errors in tensorized and hybrid modes; out_of_memory when the KV cache does not fit (the message says how much it
  // needs); the Sampler's errors for bad sampling settings.
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionConfig& config);

  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& model_ptr() const { return model_; }
  const SessionConfig& config() const { return config_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  int64_t n_tokens() const { return static_cast<int64_t>(tokens_.size()); }
  // Positions left before the context is full.
  int64_t n_free() const { return config_.n_ctx - n_tokens(); }

  // Appends `tokens` (ids in [0, n_vocab)) to the session and leaves the logits of the last one
  // in logits(). Progress counts tokens (stage "prefill", with rate and ETA).
  // Errors: invalid_argument for an empty list or an out-of-range id; context_overflow when they
  // do not fit (nothing is appended); cancelled when `stop` is requested: the chunks already run
  // stay in the session (tokens() tells how far) and logits() is empty until the next prefill.
  Result<void> prefill(std::span<const int32_t> tokens, std::stop_token stop = {},
                       const ProgressSink& progress = {});

  // Runs `tokens` like prefill and returns the logits of every one of them in `all_logits`
  // [tokens.size(), n_vocab], row i predicting the token after tokens[i] (perplexity scoring).
  // Errors as prefill.
  Result<void> evaluate(std::span<const int32_t> tokens, std::vector<float>& all_logits,
                        std::stop_token stop = {});

  // The next token drawn from logits() by the sampler, with tokens() as the repetition history.
  // Does not append it: prefill({token}) does. Errors: invalid_argument while there are no
  // logits (nothing prefilled yet).
  Result<int32_t> sample();

  // Logits after the last token [n_vocab]; empty while the session has no tokens.
  const std::vector<float>& logits() const { return logits_; }

  // Hybrid mode: the document prefill is over; tokens prefilled from now on (question, answer)
  // use exact attention over the whole KV cache, and the tensorized states are released. Call it
  // once the document's tokens are in. No effect in full and tensorized modes, nor when called
  // again; clear() starts a new document prefill.
  void end_document_prefill();

  // Borrowed (nullptr: none): records the attention of every later single-token step, such as
  // each token generate() appends (attention_recorder.h). Must outlive its use or be reset.
  void set_attention_recorder(AttentionRecorder* recorder) {
    forward_.set_attention_recorder(recorder);
  }

  // Forgets every token (the KV memory stays allocated).
  void clear();

  // For snapshots (snapshot.h): the parts of the state they save and restore.
  const KvCache& cache() const { return cache_; }
  const Sampler& sampler() const { return sampler_; }
  // Replaces the whole state. The cache must already hold tokens.size() positions and
  // `logits` must be [n_vocab], or empty (always with no tokens; after a cancelled prefill). Errors: invalid_argument when they do
  // not agree (the session is then cleared); corrupt_data for a bad sampler state.
  Result<void> restore(std::vector<int32_t> tokens, std::vector<float> logits,
                       std::string_view sampler_state);
  KvCache& mutable_cache() { return cache_; }
  // The forward pass, whose attention state (tensorized states, hybrid boundary) snapshots
  // carry beside the cache.
  const CpuForward& forward() const { return forward_; }
  CpuForward& mutable_forward() { return forward_; }

 private:
  Session(std::shared_ptr<const Model> model, const SessionConfig& config, KvCache cache,
          Sampler sampler);
  Result<void> run(std::span<const int32_t> tokens, bool all_logits, std::vector<float>& out,
                   std::stop_token stop, ProgressTracker* progress);

  std::shared_ptr<const Model> model_;
  SessionConfig config_;
  KvCache cache_;
  Sampler sampler_;
  std::unique_ptr<kern::ThreadPool> pool_;  // before forward_, which borrows it
  CpuForward forward_;
  std::vector<int32_t> tokens_;
  std::vector<float> logits_;
};

}  // namespace quire::engine
