#include "engine/runtime/session.h"

#include <optional>

#include "kernels/kv_codec.h"

namespace quire::engine {

std::vector<ConfigEntry> config_entries(const SessionConfig& config) {
  std::vector<ConfigEntry> entries = {{"kv_type", kern::kv_type_name(config.kv_type)}};
  if (!config.kv_layout.empty()) entries.emplace_back("kv_layout", config.kv_layout);
  const AttentionConfig& a = config.attention;
  if (a.mode != AttentionMode::full) {
    entries.emplace_back("attention", attention_mode_name(a.mode));
    entries.emplace_back("tensor_dims", a.dims.n.empty() ? "auto" : a.dims.to_string());
    entries.emplace_back("tensor_variant", tensor_variant_name(a.variant));
    entries.emplace_back("tensor_rope", tensor_rope_name(a.rope_kind));
  }
  return entries;
}

std::string config_fingerprint(const SessionConfig& config) {
  std::string out;
  for (const auto& [key, value] : config_entries(config)) {
    if (!out.empty()) out += ';';
    out += key + '=' + value;
  }
  return out;
}

Session::Session(std::shared_ptr<const Model> model, const SessionConfig& config, KvCache cache,
                 Sampler sampler)
    : model_(std::move(model)),
      config_(config),
      cache_(std::move(cache)),
      sampler_(std::move(sampler)),
      pool_(std::make_unique<kern::ThreadPool>(config.n_threads)),
      forward_(model_, pool_.get(), config.attention) {}

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model,
                                                 const SessionConfig& config) {
  if (!model) return make_error(Errc::invalid_argument, "a session needs a model");
  if (config.n_ctx <= 0) {
    return make_error(Errc::invalid_argument, "context size must be positive, got {}",
                      config.n_ctx);
  }
  if (config.n_threads < 0) {
    return make_error(Errc::invalid_argument,
                      "thread count must be 0 (all cores) or positive, got {}",
                      config.n_threads);
  }
  SessionConfig resolved = config;
  resolved.kv_layout = model->config().is_tpa() ? "tpa_factors" : "";
  if (model->config().is_tpa() && config.kv_type == kern::KvType::q8_0) {
    return make_error(Errc::invalid_argument,
                      "t6 (tensor product attention) models keep their KV factors in f16 or "
                      "f32; q8_0 is not supported for them, use --kv-type f16");
  }
  if (config.attention.mode != AttentionMode::full) {
    auto dims = resolve_dims(config.attention, model->file(), config.n_ctx);
    if (!dims) return dims.error();
    resolved.attention.dims = std::move(*dims);
  }
  auto sampler = Sampler::create(config.sampler);
  if (!sampler) return sampler.error();
  auto cache = KvCache::create(kv_cache_config(model->config(), config.n_ctx, config.kv_type));
  if (!cache) return cache.error();
  return std::unique_ptr<Session>(
      new Session(std::move(model), resolved, std::move(*cache), std::move(*sampler)));
}

Result<void> Session::run(std::span<const int32_t> tokens, bool all_logits,
                          std::vector<float>& out, std::stop_token stop,
                          ProgressTracker* progress) {
  if (tokens.empty()) return make_error(Errc::invalid_argument, "no tokens to run");
  if (static_cast<int64_t>(tokens.size()) > n_free()) {
    return make_error(Errc::context_overflow,
                      "{} more tokens do not fit: the session holds {} of {}; start a session "
                      "with a larger context (--ctx) or a shorter input",
                      tokens.size(), n_tokens(), config_.n_ctx);
  }
  auto done = forward_.run(cache_, tokens, all_logits, out, stop, progress);
  // The cache holds every chunk that ran (all of them, or fewer when cancelled); the token
  // history follows it so that the invariant tokens().size() == cache size holds.
  const int64_t ran = cache_.size() - n_tokens();
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.begin() + ran);
  if (!done) {
    logits_.clear();
    return done.error();
  }
  return {};
}

Result<void> Session::prefill(std::span<const int32_t> tokens, std::stop_token stop,
                              const ProgressSink& progress) {
  std::optional<ProgressTracker> tracker;
  if (progress) {
    tracker.emplace("prefill", "tokens", static_cast<int64_t>(tokens.size()), progress);
  }
  auto done = run(tokens, false, logits_, stop, tracker ? &*tracker : nullptr);
  if (done && tracker) tracker->finish();
  return done;
}

Result<void> Session::evaluate(std::span<const int32_t> tokens, std::vector<float>& all_logits,
                               std::stop_token stop) {
  auto done = run(tokens, true, all_logits, stop, nullptr);
  if (!done) return done;
  const auto n_vocab = static_cast<size_t>(model_->config().n_vocab);
  logits_.assign(all_logits.end() - static_cast<std::ptrdiff_t>(n_vocab), all_logits.end());
  return {};
}

Result<int32_t> Session::sample() {
  if (logits_.empty()) {
    return make_error(Errc::invalid_argument,
                      "nothing to sample from: prefill the session's tokens first");
  }
  return sampler_.sample(logits_, tokens_);
}

void Session::end_document_prefill() { forward_.end_tensorized_prefill(); }

void Session::clear() {
  cache_.clear();
  forward_.reset_attention();
  tokens_.clear();
  logits_.clear();
}

Result<void> Session::restore(std::vector<int32_t> tokens, std::vector<float> logits,
                              std::string_view sampler_state) {
  const int64_t n_vocab = model_->config().n_vocab;
  // Logits may be missing with tokens: a cancelled prefill leaves them so (prefill()).
  const bool logits_ok = logits.empty() || (!tokens.empty() &&
                                            static_cast<int64_t>(logits.size()) == n_vocab);
  bool ids_ok = true;
  for (int32_t t : tokens) ids_ok = ids_ok && t >= 0 && t < n_vocab;
  if (cache_.size() != static_cast<int64_t>(tokens.size()) || !logits_ok || !ids_ok) {
    const auto n = tokens.size();
    const auto n_logits = logits.size();
    const int64_t n_cache = cache_.size();
    clear();
    return make_error(Errc::invalid_argument,
                      "session state does not agree: {} tokens, a cache of {} positions, {} "
                      "logits for a vocabulary of {}{}",
                      n, n_cache, n_logits, n_vocab, ids_ok ? "" : ", token ids outside it");
  }
  if (auto loaded = sampler_.load_state(sampler_state); !loaded) {
    clear();
    return loaded;
  }
  tokens_ = std::move(tokens);
  logits_ = std::move(logits);
  return {};
}

}  // namespace quire::engine
