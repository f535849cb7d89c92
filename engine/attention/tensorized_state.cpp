// TensorizedState: decode of tensorized attention with per-layer state (see the header).
// Algorithm, per appended token t and query head h: hops j = d-1..0 over the causal part of the
// fiber F_j(t) (coordinates 0..c_j(t)), past entries carrying the stored level j+1 (cone: X,
// complete: closed), t itself carrying the previous hop's result; then, complete only, for each
// block B_j (j >= 1, finest first) that t completes, closed_j of all its tokens over whole fibers.
// Parallelization: query heads over ex.pool; each head's tokens run in order (a head reads and
// writes only its own rows; K and V are stored before the heads start).
// Numerics: float, operation for operation as kern::cpu::attention_tensorized (tensorized_hop.h).
#include "engine/attention/tensorized_state.h"

#include <algorithm>
#include <istream>
#include <ostream>

#include "kernels/thread_pool.h"

namespace quire::engine {

namespace {

constexpr uint32_t kMagic = 0x535a5451;  // "QTZS" little-endian
constexpr uint32_t kVersion = 1;

// |B_j| = n_j * stride_j: the tokens sharing c_0..c_{j-1}.
int64_t block_size(const kern::TensorDims& dims, int64_t j) {
  return dims.n[size_t(j)] * dims.stride(j);
}

// Rows of level j (1 <= j < d): it is read only inside the open block B_{j-1}.
int64_t level_rows(const kern::TensorDims& dims, int64_t j, int64_t n) {
  return std::min(block_size(dims, j - 1), n);
}

bool has_q_ring(const kern::TensorDims& dims, kern::TensorVariant variant) {
  return variant == kern::TensorVariant::complete && dims.order() >= 2;
}

struct Header {
  uint32_t magic, version, variant, rope_kind;
  int64_t order, n[kern::kMaxTensorOrder];
  int64_t n_head, n_head_kv, head_dim, n_tokens;
};

}  // namespace

TensorizedState::TensorizedState(const TensorizedConfig& config) : config_(config) {
  if (config_.rope.freq_factors) {
    freq_factors_.assign(config_.rope.freq_factors,
                         config_.rope.freq_factors + config_.rope.n_rot / 2);
    config_.rope.freq_factors = freq_factors_.data();
  }
  if (config_.rope_kind == kern::TensorRope::local && config_.rope.n_rot > 0) {
    for (int64_t nj : config_.dims.n) local_rope_.emplace_back(config_.rope, 0, nj);
  }
  levels_.resize(size_t(config_.dims.order()));
}

Result<TensorizedState> TensorizedState::create(const TensorizedConfig& c) {
  kern::TensorDims checked;
  if (std::string err = kern::parse_dims(c.dims.to_string(), checked); !err.empty()) {
    return make_error(Errc::invalid_argument, "tensorized state: {}", err);
  }
  if (c.n_head < 1 || c.n_head_kv < 1 || c.head_dim < 1 || c.n_head % c.n_head_kv != 0) {
    return make_error(Errc::invalid_argument,
                      "tensorized state: bad head shape {} query heads / {} kv heads x {} dims "
                      "(query heads must be a positive multiple of kv heads)",
                      c.n_head, c.n_head_kv, c.head_dim);
  }
  if (c.rope.n_rot < 0 || c.rope.n_rot % 2 != 0 || c.rope.n_rot > c.head_dim) {
    return make_error(Errc::invalid_argument,
                      "tensorized state: RoPE n_rot {} must be even and within head_dim {}",
                      c.rope.n_rot, c.head_dim);
  }
  return TensorizedState(c);
}

int64_t TensorizedState::level_ring(int64_t j) const { return block_size(config_.dims, j - 1); }
int64_t TensorizedState::q_ring() const { return block_size(config_.dims, 1); }

void TensorizedState::resize_for(int64_t n) {
  const auto& c = config_;
  k_.resize(size_t(n * c.n_head_kv * c.head_dim));
  v_.resize(k_.size());
  for (int64_t j = 1; j < c.dims.order(); ++j) {
    levels_[size_t(j)].resize(size_t(level_rows(c.dims, j, n) * c.n_head * c.head_dim));
  }
  if (has_q_ring(c.dims, c.variant)) {
    q_.resize(size_t(std::min(q_ring(), n) * c.n_head * c.head_dim));
  }
}

const float* TensorizedState::hop_key(int64_t s, int64_t g, int64_t j, float* buf) const {
  const float* raw = k_.data() + (s * config_.n_head_kv + g) * config_.head_dim;
  if (local_rope_.empty()) return raw;  // GLOBAL (stored rotated) or no RoPE
  local_rope_[size_t(j)].rotate(buf, raw, config_.head_dim, config_.dims.coord(s, j));
  return buf;
}

const float* TensorizedState::hop_query(const float* src, int64_t s, int64_t j, float* buf) const {
  if (local_rope_.empty()) return src;
  local_rope_[size_t(j)].rotate(buf, src, config_.head_dim, config_.dims.coord(s, j));
  return buf;
}

const float* TensorizedState::value_row(int64_t j, int64_t s, int64_t h) const {
  const auto& c = config_;
  if (j + 1 == c.dims.order()) {
    return v_.data() + (s * c.n_head_kv + h / (c.n_head / c.n_head_kv)) * c.head_dim;
  }
  const int64_t row = s % level_ring(j + 1);
  return levels_[size_t(j + 1)].data() + (row * c.n_head + h) * c.head_dim;
}

void TensorizedState::step(int64_t t, int64_t h, const float* q_t, const RopeTable& abs_rope,
                           HopScratch& w, float* out) {
  const auto& c = config_;
  const int64_t D = c.head_dim, d = c.dims.order(), g = h / (c.n_head / c.n_head_kv);
  w.krow.resize(size_t(D));
  w.qrow.resize(size_t(D));
  w.qabs.resize(size_t(D));
  w.cur.resize(size_t(D));
  w.next.resize(size_t(D));
  const float* q = q_t;  // the query as the hops read it before any LOCAL rotation
  if (keep_rotated() && c.rope.n_rot > 0) {
    abs_rope.rotate(w.qabs.data(), q_t, D, t);
    q = w.qabs.data();
  }
  if (has_q_ring(c.dims, c.variant)) {
    std::copy(q, q + D, q_.data() + ((t % q_ring()) * c.n_head + h) * D);
  }
  const float* self = v_.data() + (t * c.n_head_kv + g) * D;
  for (int64_t j = d - 1; j >= 0; --j) {
    const int64_t a = c.dims.coord(t, j), stride = c.dims.stride(j), len = a + 1;
    auto pos = [&](int64_t b) { return t - (a - b) * stride; };
    load_keys(w, len, D, [&](int64_t b) { return hop_key(pos(b), g, j, w.krow.data()); });
    const float* qh = hop_query(q, t, j, w.qrow.data());
    w.values.resize(size_t(a));
    for (int64_t b = 0; b < a; ++b) w.values[size_t(b)] = value_row(j, pos(b), h);
    hop_row(w, qh, c.scale, len, a, self, D, w.next.data());
    if (c.variant == kern::TensorVariant::cone && j >= 1) {
      const int64_t row = t % level_ring(j);
      std::copy(w.next.begin(), w.next.end(), levels_[size_t(j)].data() + (row * c.n_head + h) * D);
    }
    w.cur.swap(w.next);
    self = w.cur.data();
  }
  std::copy(self, self + D, out);
  if (c.variant != kern::TensorVariant::complete) return;
  for (int64_t j = d - 1; j >= 1; --j) {
    const int64_t size = block_size(c.dims, j);
    if ((t + 1) % size == 0) close_block(j, t + 1 - size, h, w);
  }
}

void TensorizedState::close_block(int64_t j, int64_t start, int64_t h, HopScratch& w) {
  const auto& c = config_;
  const int64_t D = c.head_dim, g = h / (c.n_head / c.n_head_kv);
  const int64_t len = c.dims.n[size_t(j)], stride = c.dims.stride(j);
  for (int64_t f = 0; f < stride; ++f) {
    auto pos = [&](int64_t b) { return start + f + b * stride; };
    load_keys(w, len, D, [&](int64_t b) { return hop_key(pos(b), g, j, w.krow.data()); });
    w.values.resize(size_t(len));
    for (int64_t b = 0; b < len; ++b) w.values[size_t(b)] = value_row(j, pos(b), h);
    for (int64_t a = 0; a < len; ++a) {
      const int64_t s = pos(a);
      const float* qs = q_.data() + ((s % q_ring()) * c.n_head + h) * D;
      const float* qh = hop_query(qs, s, j, w.qrow.data());
      const int64_t row = s % level_ring(j);
      hop_row(w, qh, c.scale, len, len, nullptr, D,
              levels_[size_t(j)].data() + (row * c.n_head + h) * D);
    }
  }
}

Result<void> TensorizedState::append(const kern::Exec& ex, const float* q, const float* k,
                                     const float* v, int64_t m, float* out) {
  const auto& c = config_;
  if (m < 1) {
    return make_error(Errc::invalid_argument, "tensorized state: append needs at least one token");
  }
  const int64_t cap = c.dims.capacity();
  if (n_ + m > cap) {
    return make_error(Errc::context_overflow,
                      "tensorized attention: {} tokens do not fit the folding {} ({} positions); "
                      "pick larger dims or a smaller context",
                      n_ + m, c.dims.to_string(), cap);
  }
  const int64_t D = c.head_dim, row_kv = c.n_head_kv * D, row_q = c.n_head * D;
  resize_for(n_ + m);
  RopeTable abs_rope;
  if (keep_rotated() && c.rope.n_rot > 0) abs_rope = RopeTable(c.rope, n_, m);
  for (int64_t r = 0; r < m; ++r) {
    const int64_t t = n_ + r;
    std::copy(v + r * row_kv, v + (r + 1) * row_kv, v_.data() + t * row_kv);
    for (int64_t g = 0; g < c.n_head_kv; ++g) {
      const float* src = k + r * row_kv + g * D;
      float* dst = k_.data() + t * row_kv + g * D;
      if (keep_rotated() && c.rope.n_rot > 0) {
        abs_rope.rotate(dst, src, D, t);
      } else {
        std::copy(src, src + D, dst);
      }
    }
  }
  const int64_t first = n_;
  auto body = [&](int64_t h0, int64_t h1) {
    HopScratch w;
    for (int64_t h = h0; h < h1; ++h) {
      for (int64_t r = 0; r < m; ++r) {
        step(first + r, h, q + r * row_q + h * D, abs_rope, w, out + r * row_q + h * D);
      }
    }
  };
  if (ex.pool) {
    ex.pool->parallel_for(c.n_head, 1, body);
  } else {
    body(0, c.n_head);
  }
  n_ += m;
  return {};
}

int64_t TensorizedState::bytes_for(int64_t context_length, const kern::TensorDims& dims,
                                   kern::TensorVariant variant, int64_t n_layer, int64_t n_head,
                                   int64_t n_head_kv, int64_t head_dim) {
  const int64_t n = std::max<int64_t>(context_length, 0);
  int64_t rows = 0;  // query-head rows of head_dim floats, per layer
  for (int64_t j = 1; j < dims.order(); ++j) rows += level_rows(dims, j, n);
  if (has_q_ring(dims, variant)) rows += std::min(block_size(dims, 1), n);
  const int64_t floats = (2 * n * n_head_kv + rows * n_head) * head_dim;
  return n_layer * floats * int64_t(sizeof(float));
}

int64_t TensorizedState::bytes() const {
  return bytes_for(n_, config_.dims, config_.variant, 1, config_.n_head, config_.n_head_kv,
                   config_.head_dim);
}

void TensorizedState::clear() {
  n_ = 0;
  resize_for(0);
}

Result<void> TensorizedState::save(std::ostream& out) const {
  const auto& c = config_;
  Header h{};
  h.magic = kMagic;
  h.version = kVersion;
  h.variant = uint32_t(c.variant);
  h.rope_kind = uint32_t(c.rope_kind);
  h.order = c.dims.order();
  std::copy(c.dims.n.begin(), c.dims.n.end(), h.n);
  h.n_head = c.n_head;
  h.n_head_kv = c.n_head_kv;
  h.head_dim = c.head_dim;
  h.n_tokens = n_;
  out.write(reinterpret_cast<const char*>(&h), sizeof h);
  auto put = [&](const std::vector<float>& x) {
    out.write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * sizeof(float)));
  };
  put(k_);
  put(v_);
  for (size_t j = 1; j < levels_.size(); ++j) put(levels_[j]);
  put(q_);
  if (!out) {
    return make_error(Errc::io_error,
                      "tensorized state: writing the snapshot ({} tokens) failed; check the disk",
                      n_);
  }
  return {};
}

Result<void> TensorizedState::load(std::istream& in) {
  clear();
  const auto& c = config_;
  Header h{};
  if (!in.read(reinterpret_cast<char*>(&h), sizeof h) || h.magic != kMagic) {
    return make_error(Errc::corrupt_data,
                      "tensorized state snapshot: no valid header; the file is damaged or not a "
                      "snapshot, delete it to prefill again");
  }
  if (h.version != kVersion) {
    return make_error(Errc::unsupported,
                      "tensorized state snapshot: version {} is not supported (expected {})",
                      h.version, kVersion);
  }
  const bool same_dims =
      h.order == c.dims.order() && std::equal(c.dims.n.begin(), c.dims.n.end(), h.n);
  if (!same_dims || h.variant != uint32_t(c.variant) || h.rope_kind != uint32_t(c.rope_kind) ||
      h.n_head != c.n_head || h.n_head_kv != c.n_head_kv || h.head_dim != c.head_dim) {
    return make_error(Errc::mismatch,
                      "tensorized state snapshot: made for another attention setting or model "
                      "(heads {}/{} x {}, order {}); the session needs dims {}, heads {}/{} x {}",
                      h.n_head, h.n_head_kv, h.head_dim, h.order, c.dims.to_string(), c.n_head,
                      c.n_head_kv, c.head_dim);
  }
  if (h.n_tokens < 0 || h.n_tokens > c.dims.capacity()) {
    return make_error(Errc::corrupt_data,
                      "tensorized state snapshot: token count {} is outside [0, {}]; delete it to "
                      "prefill again",
                      h.n_tokens, c.dims.capacity());
  }
  resize_for(h.n_tokens);
  auto get = [&](std::vector<float>& x) {
    return bool(in.read(reinterpret_cast<char*>(x.data()),
                        std::streamsize(x.size() * sizeof(float))));
  };
  bool ok = get(k_) && get(v_);
  for (size_t j = 1; ok && j < levels_.size(); ++j) ok = get(levels_[j]);
  if (!ok || !get(q_)) {
    clear();
    return make_error(Errc::corrupt_data,
                      "tensorized state snapshot: truncated ({} tokens announced); delete it to "
                      "prefill again",
                      h.n_tokens);
  }
  n_ = h.n_tokens;
  return {};
}

}  // namespace quire::engine
