#include "engine/runtime/forward.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <istream>
#include <ostream>

#include "kernels/gemv_fused.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"
#include "kernels/tpa.h"

namespace quire::engine {
namespace {

// Decode (a few tokens per pass) runs ~5 short parallel passes per layer, separated by a few
// microseconds of serial work (norms, RoPE, attention of one query); sleeping workers would take
// tens of microseconds to wake for each. So during decode idle workers poll this long before
// they sleep (kern::ThreadPool::set_spin). Prefill passes last milliseconds, so a wake-up costs
// nothing there and spinning between them would only burn CPU: the window is 0.
constexpr int64_t kSpinMaxTokens = 8;
constexpr std::chrono::microseconds kDecodeSpin{50};

kern::WeightMat weight_mat(const WeightView& w) { return {w.data, w.type, w.rows}; }

}  // namespace

KvCacheConfig kv_cache_config(const ModelConfig& config, int64_t n_ctx, kern::KvType type) {
  KvCacheConfig kv;
  kv.n_layer = config.n_layer;
  kv.n_ctx = n_ctx;
  kv.n_head_kv = config.n_head_kv;
  kv.head_dim = config.head_dim;
  kv.type = type;
  if (config.is_tpa()) {
    kv.n_head_kv = 1;
    kv.head_dim = kern::TpaShape{config.n_head, config.head_dim, config.rank_q, config.rank_k,
                                 config.rank_v}.row_elems();
  }
  return kv;
}

CpuForward::CpuForward(std::shared_ptr<const Model> model, kern::ThreadPool* pool)
    : model_(std::move(model)) {
  exec_.pool = pool;
}

CpuForward::CpuForward(std::shared_ptr<const Model> model, kern::ThreadPool* pool,
                       AttentionConfig attention)
    : CpuForward(std::move(model), pool) {
  attention_ = std::move(attention);
}

void CpuForward::end_tensorized_prefill() {
  if (attention_.mode != AttentionMode::hybrid) return;
  prefill_ended_ = true;
  states_.clear();
}

void CpuForward::reset_attention() {
  prefill_ended_ = false;
  states_.clear();
}

Result<void> CpuForward::save_attention(std::ostream& out) const {
  const auto n = static_cast<uint32_t>(states_.size());
  const char head[5] = {static_cast<char>(prefill_ended_ ? 1 : 0), static_cast<char>(n & 0xff),
                        static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff),
                        static_cast<char>((n >> 24) & 0xff)};
  out.write(head, sizeof head);
  for (const TensorizedState& st : states_) {
    if (auto ok = st.save(out); !ok) return ok;
  }
  return {};
}

Result<void> CpuForward::load_attention(std::istream& in, const KvCache& cache) {
  reset_attention();
  unsigned char head[5] = {};
  if (!in.read(reinterpret_cast<char*>(head), sizeof head) || head[0] > 1) {
    return make_error(Errc::corrupt_data, "attention state header is damaged");
  }
  const uint32_t n = uint32_t(head[1]) | uint32_t(head[2]) << 8 | uint32_t(head[3]) << 16 |
                     uint32_t(head[4]) << 24;
  prefill_ended_ = head[0] == 1 && attention_.mode == AttentionMode::hybrid;
  const auto fail = [this](Error e) {
    reset_attention();
    return e;
  };
  if (head[0] == 1 && attention_.mode != AttentionMode::hybrid) {
    return fail(make_error(Errc::corrupt_data, "attention state: a prefill boundary outside "
                                               "hybrid mode"));
  }
  // States exist only while tensorized attention runs and once a token has run through it.
  const bool want = tensorized_now() && cache.size() > 0;
  if (n == 0 && !want) return {};
  if (!want || n != static_cast<uint32_t>(model_->config().n_layer)) {
    return fail(make_error(Errc::corrupt_data,
                           "attention state holds {} tensorized layers, the {} mode with {} "
                           "tokens needs {}",
                           n, attention_mode_name(attention_.mode), cache.size(),
                           want ? model_->config().n_layer : 0));
  }
  if (auto ok = create_states(cache.config().n_ctx); !ok) return fail(ok.error());
  for (TensorizedState& st : states_) {
    if (auto ok = st.load(in); !ok) return fail(ok.error());
    if (st.size() != cache.size()) {
      return fail(make_error(Errc::mismatch,
                             "a tensorized state holds {} tokens, the KV cache {}", st.size(),
                             cache.size()));
    }
  }
  return {};
}

bool CpuForward::tensorized_now() const {
  return attention_.mode == AttentionMode::tensorized ||
         (attention_.mode == AttentionMode::hybrid && !prefill_ended_);
}

Result<void> CpuForward::create_states(int64_t n_ctx) {
  states_.clear();
  const ModelConfig& c = model_->config();
  // The caller's dims as they are (run() refuses tokens past their capacity); else resolved.
  auto dims = attention_.dims.n.empty() ? resolve_dims(attention_, model_->file(), n_ctx)
                                        : Result<kern::TensorDims>(attention_.dims);
  if (!dims) return dims.error();
  const TensorizedConfig tc{*dims, attention_.variant, attention_.rope_kind,
                            model_->rope_params(), c.n_head, c.n_head_kv, c.head_dim,
                            1.0f / std::sqrt(static_cast<float>(c.head_dim))};
  for (int64_t l = 0; l < c.n_layer; ++l) {
    auto st = TensorizedState::create(tc);
    if (!st) {
      states_.clear();
      return st.error();
    }
    states_.push_back(std::move(*st));
  }
  return {};
}

Result<void> CpuForward::prepare_states(const KvCache& cache, int64_t n) {
  if (!tensorized_now()) return {};
  if (states_.empty()) {
    if (auto ok = create_states(cache.config().n_ctx); !ok) return ok;
  }
  if (states_[0].size() != cache.size()) {
    return make_error(Errc::mismatch,
                      "the tensorized attention state holds {} tokens but the KV cache {}; "
                      "restore both from one snapshot or start the session again",
                      states_[0].size(), cache.size());
  }
  const kern::TensorDims& dims = states_[0].config().dims;
  if (cache.size() + n > dims.capacity()) {
    return make_error(Errc::context_overflow,
                      "{} tokens after the {} in the context pass the {} positions of the "
                      "tensorized dims {}; pick larger dims",
                      n, cache.size(), dims.capacity(), dims.to_string());
  }
  return {};
}

void CpuForward::reserve(int64_t n) {
  if (n <= capacity_) return;
  const ModelConfig& c = model_->config();
  auto grow = [n](std::vector<float>& v, int64_t width) { v.resize(size_t(n * width)); };
  grow(x_, c.n_embd);
  grow(h_, c.n_embd);
  grow(q_, c.q_dim());
  grow(k_, c.kv_dim());
  grow(v_, c.kv_dim());
  grow(attn_, c.q_dim());
  grow(gate_, c.n_ff);
  grow(up_, c.n_ff);
  pos_.resize(size_t(n));
  capacity_ = n;
}

Result<void> CpuForward::validate(const KvCache& cache, std::span<const int32_t> tokens) const {
  const ModelConfig& c = model_->config();
  if (tokens.empty()) {
    return make_error(Errc::invalid_argument, "the forward pass needs at least one token");
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.n_vocab) {
      return make_error(Errc::invalid_argument,
                        "token id {} (at index {}) is outside the model's vocabulary [0, {})",
                        tokens[i], i, c.n_vocab);
    }
  }
  const KvCacheConfig& kv = cache.config();
  const KvCacheConfig want = kv_cache_config(c, kv.n_ctx, kv.type);
  if (kv.n_layer != want.n_layer || kv.n_head_kv != want.n_head_kv ||
      kv.head_dim != want.head_dim || (c.is_tpa() && kv.type == kern::KvType::q8_0)) {
    return make_error(Errc::mismatch,
                      "the KV cache ({} layers, {} kv heads of {}, {}) was not made for this "
                      "model ({} layers, {} kv heads of {}); create it with kv_cache_config()",
                      kv.n_layer, kv.n_head_kv, kv.head_dim, kern::kv_type_name(kv.type),
                      want.n_layer, want.n_head_kv, want.head_dim);
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (cache.size() + n > kv.n_ctx) {
    return make_error(Errc::context_overflow,
                      "{} tokens after the {} already in the context exceed its {} tokens; use "
                      "a larger context or a shorter input",
                      n, cache.size(), kv.n_ctx);
  }
  return {};
}

Result<void> CpuForward::run(KvCache& cache, std::span<const int32_t> tokens, bool all_logits,
                             std::vector<float>& logits, std::stop_token stop,
                             ProgressTracker* progress) {
  if (auto ok = validate(cache, tokens); !ok) return ok;
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (auto ok = prepare_states(cache, n); !ok) return ok;
  const int64_t n_vocab = model_->config().n_vocab;
  logits.assign(size_t((all_logits ? n : 1) * n_vocab), 0.0f);
  reserve(std::min(n, kMaxChunk));
  if (exec_.pool != nullptr) {
    exec_.pool->set_spin(n < kSpinMaxTokens ? kDecodeSpin : std::chrono::microseconds(0));
  }
  for (int64_t done = 0; done < n;) {
    if (stop.stop_requested()) {
      logits.clear();
      return cancelled_error("the forward pass");
    }
    const int64_t len = std::min(kMaxChunk, n - done);
    const bool last = done + len == n;
    float* out = all_logits ? logits.data() + done * n_vocab : (last ? logits.data() : nullptr);
    const int64_t n_out = all_logits ? len : (last ? 1 : 0);
    if (auto ok = run_chunk(cache, tokens.data() + done, len, cache.size(), out, n_out); !ok) {
      logits.clear();
      return ok;
    }
    done += len;
    if (progress) progress->advance(len);
  }
  return {};
}

Result<void> CpuForward::run_chunk(KvCache& cache, const int32_t* tokens, int64_t n, int64_t pos,
                                   float* out, int64_t n_out) {
  const Model& m = *model_;
  const ModelConfig& c = m.config();
  const kern::Exec& ex = exec_;
  const int64_t d = c.n_embd;

  const WeightView& embd = m.token_embd();
  const int64_t embd_row = kern::row_bytes(embd.type, d);
  for (int64_t t = 0; t < n; ++t) {
    const auto* row = static_cast<const uint8_t*>(embd.data) + tokens[t] * embd_row;
    kern::cpu::dequantize(ex, x_.data() + t * d, row, embd.type, d);
    pos_[size_t(t)] = static_cast<int32_t>(pos + t);
  }

  const kern::RopeParams rope = m.rope_params();
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  auto mm = [&](float* y, const float* a, const WeightView& w) {
    kern::cpu::matmul_w(ex, y, a, w.data, w.type, n, w.rows, w.cols);
  };
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& w = m.layer(l);
    kern::cpu::rms_norm(ex, h_.data(), x_.data(), w.attn_norm, n, d, c.rms_eps);
    if (c.is_tpa()) {
      if (auto ok = tpa_attention_layer(cache, l, n, pos); !ok) return ok;
    } else {
      const kern::WeightProduct qkv[3] = {{q_.data(), weight_mat(w.wq)},
                                          {k_.data(), weight_mat(w.wk)},
                                          {v_.data(), weight_mat(w.wv)}};
      kern::cpu::matmul_w_multi(ex, h_.data(), n, w.wq.cols, qkv);
      if (tensorized_now()) {  // q and k unrotated: the state rotates per hop
        auto ok = states_[size_t(l)].append(ex, q_.data(), k_.data(), v_.data(), n, attn_.data());
        if (!ok) return ok;
        if (recorder_ && n == 1) {
          states_[size_t(l)].attention_row(pos, q_.data(), spans_);
          recorder_->record_spans(pos, static_cast<int32_t>(l), spans_);
        }
      }
      kern::cpu::rope(ex, q_.data(), pos_.data(), n, c.n_head, c.head_dim, rope);
      kern::cpu::rope(ex, k_.data(), pos_.data(), n, c.n_head_kv, c.head_dim, rope);
      if (auto ok = cache.append(l, pos, n, k_.data(), v_.data()); !ok) return ok;
      if (!tensorized_now()) {
        kern::cpu::attention(ex, attn_.data(), q_.data(), cache.k_data(l), cache.v_data(l),
                             cache.config().type, n, cache.layer_size(l), c.n_head, c.n_head_kv,
                             c.head_dim, scale);
        if (recorder_ && n == 1) {
          recorder_->record_layer(pos, static_cast<int32_t>(l), q_.data(), cache.k_data(l),
                                  cache.config().type, cache.layer_size(l), c.n_head,
                                  c.n_head_kv, c.head_dim, scale);
        }
      }
    }
    mm(h_.data(), attn_.data(), w.wo);
    kern::cpu::add(ex, x_.data(), h_.data(), n * d);

    kern::cpu::rms_norm(ex, h_.data(), x_.data(), w.ffn_norm, n, d, c.rms_eps);
    kern::cpu::matmul_w_swiglu(ex, gate_.data(), up_.data(), h_.data(), n, w.w_gate.cols,
                               weight_mat(w.w_gate), weight_mat(w.w_up));
    mm(h_.data(), gate_.data(), w.w_down);
    kern::cpu::add(ex, x_.data(), h_.data(), n * d);
  }

  if (n_out > 0) {
    const float* last = x_.data() + (n - n_out) * d;
    kern::cpu::rms_norm(ex, h_.data(), last, m.output_norm(), n_out, d, c.rms_eps);
    const WeightView& head = m.output();
    kern::cpu::matmul_w(ex, out, h_.data(), head.data, head.type, n_out, head.rows, head.cols);
  }
  return {};
}

}  // namespace quire::engine
