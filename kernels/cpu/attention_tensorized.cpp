// kern::cpu tensorized attention (TENSORIZED.md), prefill.
// Algorithm: one pass per hop j = d..1. A task is one (fiber along dim j, query head): it gathers
// the fiber's rows by stride stride_j, rotates q and k for the hop (RoPE from precomputed cos/sin
// tables with kern::rope semantics), keeps K transposed so a tile of scores is a run of
// contiguous axpys, and runs a flash-style online softmax over key tiles. `closed` (all real keys
// of the fiber) and `open` (keys before t plus t itself, stopping at t) are updated in the same
// pass, each with its own running max and sum, so `open` never sees a future entry. Results go to
// per-task scratch and are written back after the task, which makes the update in place safe:
// a task reads and writes only its own fiber's rows of its own head.
// Parallelization: ThreadPool::parallel_for over fibers x query heads.
// Numerics: float scores and accumulators, exp of (score - running max) <= 1; padding rows
// (>= n) are never read. Memory: out plus one closed state [n, n_head, head_dim]; O(n_j head_dim)
// scratch per task; a RoPE table [positions, n_rot/2] (n positions for global, n_j for local).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {

namespace {

constexpr int64_t kTile = 64;  // keys per online-softmax tile

// cos/sin [n_pos, n_rot/2] of pos * freq_scale * base^(-2i/n_rot) / ff[i], computed in double.
struct RopeTable {
  int64_t half = 0;
  RopeMode mode = RopeMode::normal;
  std::vector<float> cos, sin;
};

RopeTable make_rope_table(ThreadPool* pool, int64_t n_pos, const RopeParams& p) {
  RopeTable tab;
  tab.half = p.n_rot / 2;
  tab.mode = p.mode;
  tab.cos.resize(size_t(n_pos * tab.half));
  tab.sin.resize(tab.cos.size());
  std::vector<double> theta(size_t(tab.half));
  for (int64_t i = 0; i < tab.half; ++i) {
    const double ff = p.freq_factors ? double(p.freq_factors[i]) : 1.0;
    theta[size_t(i)] =
        double(p.freq_scale) * std::pow(double(p.base), -2.0 * double(i) / double(p.n_rot)) / ff;
  }
  auto fill = [&](int64_t b, int64_t e) {
    for (int64_t pos = b; pos < e; ++pos) {
      for (int64_t i = 0; i < tab.half; ++i) {
        const double angle = double(pos) * theta[size_t(i)];
        tab.cos[size_t(pos * tab.half + i)] = float(std::cos(angle));
        tab.sin[size_t(pos * tab.half + i)] = float(std::sin(angle));
      }
    }
  };
  if (pool) {
    pool->parallel_for(n_pos, 1024, fill);
  } else {
    fill(0, n_pos);
  }
  return tab;
}

// dst[0, head_dim) = src rotated to position pos.
void rotate_row(float* dst, const float* src, int64_t head_dim, const RopeTable& tab, int64_t pos) {
  std::copy(src, src + head_dim, dst);
  const float* c = tab.cos.data() + pos * tab.half;
  const float* s = tab.sin.data() + pos * tab.half;
  for (int64_t i = 0; i < tab.half; ++i) {
    const int64_t ia = tab.mode == RopeMode::normal ? 2 * i : i;
    const int64_t ib = tab.mode == RopeMode::normal ? 2 * i + 1 : i + tab.half;
    const float a = src[ia], b = src[ib];
    dst[ia] = a * c[i] - b * s[i];
    dst[ib] = a * s[i] + b * c[i];
  }
}

// One softmax's running state over a stream of (score, value) entries.
struct Online {
  float max = -INFINITY;
  float sum = 0.0f;
};

// Raises st's running max to the max of sc[0, n) (if higher), rescaling its sum and acc.
void raise_max(Online& st, float* acc, const float* sc, int64_t n, int64_t head_dim) {
  if (n <= 0) return;
  const float tile_max = *std::max_element(sc, sc + n);
  if (tile_max > st.max) {
    const float factor = std::exp(st.max - tile_max);  // 0 on the first tile
    st.sum *= factor;
    for (int64_t e = 0; e < head_dim; ++e) acc[e] *= factor;
    st.max = tile_max;
  }
}

// Folds the entries [b0, b1) of tile scores `sc` (indexed from b0) into (st, acc [head_dim]);
// value(b) gives entry b's value row.
template <class ValueFn>
void fold(Online& st, float* acc, const float* sc, int64_t b0, int64_t b1, int64_t head_dim,
          ValueFn value) {
  raise_max(st, acc, sc, b1 - b0, head_dim);
  for (int64_t b = b0; b < b1; ++b) {
    const float p = std::exp(sc[b - b0] - st.max);
    st.sum += p;
    const float* x = value(b);
    for (int64_t e = 0; e < head_dim; ++e) acc[e] += p * x[e];
  }
}

// complete's two states over one tile: closed takes every entry [b0, b1), open the past ones
// [b0, past_end); both read the same value rows (closed_{j+1}), so one sweep loads each row once,
// while each state keeps its own max (open's never includes an entry at or after t).
template <class ValueFn>
void fold_closed_and_past(Online& c, float* acc_c, Online& o, float* acc_o, const float* sc,
                          int64_t b0, int64_t b1, int64_t past_end, int64_t head_dim,
                          ValueFn value) {
  raise_max(c, acc_c, sc, b1 - b0, head_dim);
  raise_max(o, acc_o, sc, past_end - b0, head_dim);
  for (int64_t b = b0; b < b1; ++b) {
    const float pc = std::exp(sc[b - b0] - c.max);
    c.sum += pc;
    const float* x = value(b);
    if (b < past_end) {
      const float po = std::exp(sc[b - b0] - o.max);
      o.sum += po;
      for (int64_t e = 0; e < head_dim; ++e) {
        acc_c[e] += pc * x[e];
        acc_o[e] += po * x[e];
      }
    } else {
      for (int64_t e = 0; e < head_dim; ++e) acc_c[e] += pc * x[e];
    }
  }
}

struct Hop {
  const float* q;
  const float* k;
  const float* v;
  float* out;     // open_j, and cone's X_j (in place)
  float* closed;  // closed_j (in place); nullptr when no hop needs it
  int64_t n, n_head, n_head_kv, head_dim;
  float scale;
  int64_t j;       // 0-based dim of this hop
  int64_t n_j, stride;
  bool finest;     // values come from v (per kv head)
  bool need_closed;
  bool cone;
  bool global_rope;
  const RopeTable* rope;  // nullptr: no rotation
};

struct Scratch {
  std::vector<float> qf, kt, krow, new_closed, new_open, sc, acc_c, acc_o;
};

void run_task(const Hop& hp, Scratch& w, int64_t t0, int64_t h) {
  const int64_t D = hp.head_dim, g = h / (hp.n_head / hp.n_head_kv);
  const int64_t len = std::min(hp.n_j, (hp.n - 1 - t0) / hp.stride + 1);  // real rows only
  w.qf.resize(size_t(len * D));
  w.kt.resize(size_t(len * D));
  w.new_open.resize(size_t(len * D));
  w.new_closed.resize(hp.need_closed ? size_t(len * D) : 0);
  w.sc.resize(size_t(kTile));
  w.acc_c.resize(size_t(D));
  w.acc_o.resize(size_t(D));
  w.krow.resize(size_t(D));
  float* krow = w.krow.data();
  for (int64_t a = 0; a < len; ++a) {
    const int64_t t = t0 + a * hp.stride;
    const int64_t pos = hp.global_rope ? t : a;  // c_j(t) = a: t0 has c_j = 0
    const float* qs = hp.q + (t * hp.n_head + h) * D;
    const float* ks = hp.k + (t * hp.n_head_kv + g) * D;
    float* qd = w.qf.data() + a * D;
    if (hp.rope) {
      rotate_row(qd, qs, D, *hp.rope, pos);
      rotate_row(krow, ks, D, *hp.rope, pos);
    } else {
      std::copy(qs, qs + D, qd);
      std::copy(ks, ks + D, krow);
    }
    for (int64_t e = 0; e < D; ++e) w.kt[size_t(e * len + a)] = krow[e];
  }
  auto row_of = [&](const float* base, int64_t a) {
    const int64_t t = t0 + a * hp.stride;
    return hp.finest ? hp.v + (t * hp.n_head_kv + g) * D : base + (t * hp.n_head + h) * D;
  };
  auto open_val = [&](int64_t b) { return row_of(hp.out, b); };
  auto closed_val = [&](int64_t b) { return row_of(hp.closed, b); };
  for (int64_t a = 0; a < len; ++a) {
    Online sc_closed, sc_open;
    std::fill(w.acc_c.begin(), w.acc_c.end(), 0.0f);
    std::fill(w.acc_o.begin(), w.acc_o.end(), 0.0f);
    const float* qa = w.qf.data() + a * D;
    const int64_t n_keys = hp.need_closed ? len : a + 1;
    for (int64_t b0 = 0; b0 < n_keys; b0 += kTile) {
      const int64_t b1 = std::min(n_keys, b0 + kTile), nb = b1 - b0;
      float* sc = w.sc.data();
      std::fill(sc, sc + nb, 0.0f);
      for (int64_t e = 0; e < D; ++e) {
        const float qe = qa[e] * hp.scale;
        const float* kr = w.kt.data() + e * len + b0;
        for (int64_t b = 0; b < nb; ++b) sc[b] += qe * kr[b];
      }
      // open: the past (closed values; cone: X) and then t itself (open values).
      const int64_t past_end = std::max(b0, std::min(b1, a));
      if (hp.need_closed) {
        fold_closed_and_past(sc_closed, w.acc_c.data(), sc_open, w.acc_o.data(), sc, b0, b1,
                             past_end, D, closed_val);
      } else if (hp.cone) {
        fold(sc_open, w.acc_o.data(), sc, b0, past_end, D, open_val);
      } else {
        fold(sc_open, w.acc_o.data(), sc, b0, past_end, D, closed_val);
      }
      if (a >= b0 && a < b1) {
        fold(sc_open, w.acc_o.data(), sc + (a - b0), a, a + 1, D, open_val);
      }
    }
    const float inv_o = 1.0f / sc_open.sum;
    float* no = w.new_open.data() + a * D;
    for (int64_t e = 0; e < D; ++e) no[e] = w.acc_o[size_t(e)] * inv_o;
    if (hp.need_closed) {
      const float inv_c = 1.0f / sc_closed.sum;
      float* nc = w.new_closed.data() + a * D;
      for (int64_t e = 0; e < D; ++e) nc[e] = w.acc_c[size_t(e)] * inv_c;
    }
  }
  for (int64_t a = 0; a < len; ++a) {
    const int64_t t = t0 + a * hp.stride;
    const float* no = w.new_open.data() + a * D;
    std::copy(no, no + D, hp.out + (t * hp.n_head + h) * D);
    if (hp.need_closed) {
      const float* nc = w.new_closed.data() + a * D;
      std::copy(nc, nc + D, hp.closed + (t * hp.n_head + h) * D);
    }
  }
}

}  // namespace

void attention_tensorized(const Exec& ex, float* out, const float* q, const float* k,
                          const float* v, int64_t n, int64_t n_head, int64_t n_head_kv,
                          int64_t head_dim, float scale, const TensorDims& dims,
                          TensorVariant variant, TensorRope rope_kind, const RopeParams& rope) {
  const int64_t d = dims.order();
  const bool cone = variant == TensorVariant::cone;
  std::vector<float> closed(cone || d == 1 ? 0 : size_t(n * n_head * head_dim));
  const bool global_rope = rope_kind == TensorRope::global;
  RopeTable global_table;
  if (rope.n_rot > 0 && global_rope) global_table = make_rope_table(ex.pool, n, rope);
  for (int64_t j = d - 1; j >= 0; --j) {
    RopeTable local_table;
    if (rope.n_rot > 0 && !global_rope) {
      local_table = make_rope_table(nullptr, dims.n[size_t(j)], rope);
    }
    Hop hp{q, k, v, out, closed.empty() ? nullptr : closed.data(), n, n_head, n_head_kv, head_dim,
           scale, j, dims.n[size_t(j)], dims.stride(j), j == d - 1, !cone && j > 0, cone,
           global_rope, rope.n_rot > 0 ? (global_rope ? &global_table : &local_table) : nullptr};
    // Fiber f starts at t0 = (f / stride) * stride * n_j + f % stride, where c_j(t0) = 0; only
    // the first ceil(n / (stride n_j)) blocks of fibers can hold a real token.
    const int64_t block = hp.stride * hp.n_j;
    const int64_t n_fibers = (n + block - 1) / block * hp.stride;
    auto body = [&hp, n_head](int64_t b, int64_t e) {
      Scratch w;
      for (int64_t task = b; task < e; ++task) {
        const int64_t f = task / n_head, h = task % n_head;
        const int64_t t0 = (f / hp.stride) * hp.stride * hp.n_j + f % hp.stride;
        if (t0 < hp.n) run_task(hp, w, t0, h);
      }
    };
    if (ex.pool) {
      ex.pool->parallel_for(n_fibers * n_head, 1, body);
    } else {
      body(0, n_fibers * n_head);
    }
  }
}

}  // namespace kern::cpu
