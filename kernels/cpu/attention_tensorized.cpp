// kern::cpu tensorized attention (TENSORIZED.md), prefill.
// Algorithm: one pass per hop j = d..1. A task is one (fiber along dim j, kv head): it gathers the
// fiber's keys by stride stride_j, rotates them for the hop (RoPE from precomputed cos/sin tables
// with kern::rope semantics) and transposes them once for all query heads of the GQA group. Per
// query head, blocks of kRowBlock queries get their scores as a small register-blocked GEMM
// (tensorized_fiber.h); since a fiber is short (n_j keys) each row's softmax is exact in two
// passes (max, then exp and sum) rather than online. `closed` (all real keys of the fiber) and
// `open` (keys before t plus t itself) share the scores but each has its own max and sum, so
// `open` never sees a future entry (and only keys up to the block's last query are scored when
// no `closed` is needed). Results go to per-task scratch and are written back after the head is
// done, which makes the update in place safe: a task reads and writes only its own fiber's rows
// of its own heads.
// Parallelization: ThreadPool::parallel_for over fibers x kv heads.
// Numerics: float, the operations of tensorized_fiber.h, which the decode state repeats for one
// row at a time to get the same floats; padding rows (>= n) are never read. Memory: out plus one
// closed state [n, n_head, head_dim]; O(n_j head_dim) scratch per task; a RoPE table
// [positions, n_rot/2] (n positions for global, n_j for local).
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/cpu/tensorized_fiber.h"
#include "kernels/tensorized.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {

namespace {

constexpr int64_t kRowBlock = 4;  // queries of one head whose scores are computed together

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

struct Hop {
  const float* q;
  const float* k;
  const float* v;
  float* out;     // open_j, and cone's X_j (in place)
  float* closed;  // closed_j (in place); nullptr when no hop needs it
  int64_t n, n_head, n_head_kv, head_dim;
  float scale;
  int64_t n_j, stride;
  bool finest;     // values come from v (per kv head)
  bool need_closed;
  bool cone;
  bool global_rope;
  const RopeTable* rope;  // nullptr: no rotation
};

struct Scratch {
  std::vector<float> kt, qs, s, p_closed, p_open, acc_c, acc_o, new_closed, new_open;
  std::vector<float> xpast, xself;       // the fiber's value rows [len, head_dim], gathered
  std::vector<const float*> past, self;  // row pointers into xpast / xself
};

// One fiber (first token t0, c_j(t0) = 0) of one kv head g, for every query head of g's group:
// the keys are rotated and transposed once and shared by the group's heads.
void run_task(const Hop& hp, Scratch& w, int64_t t0, int64_t g) {
  const int64_t D = hp.head_dim, n_rep = hp.n_head / hp.n_head_kv;
  const int64_t len = std::min(hp.n_j, (hp.n - 1 - t0) / hp.stride + 1);  // real rows only
  const int64_t ld = fiber_keys_ld(len);
  auto token = [&](int64_t a) { return t0 + a * hp.stride; };
  auto pos = [&](int64_t a) { return hp.global_rope ? token(a) : a; };  // c_j(t0 + a stride) = a
  w.kt.assign(size_t(D * ld), 0.0f);  // zero columns past len: fiber_scores reads them
  w.qs.resize(size_t(len * D));
  for (int64_t a = 0; a < len; ++a) {
    const float* ks = hp.k + (token(a) * hp.n_head_kv + g) * D;
    float* krow = w.qs.data();  // free until the queries are loaded
    if (hp.rope) {
      rotate_row(krow, ks, D, *hp.rope, pos(a));
    } else {
      std::copy(ks, ks + D, krow);
    }
    for (int64_t e = 0; e < D; ++e) w.kt[size_t(e * ld + a)] = krow[e];
  }
  w.s.resize(size_t(kRowBlock * ld));
  w.p_closed.resize(w.s.size());
  w.p_open.resize(w.s.size());
  w.acc_c.resize(size_t(kRowBlock * D));
  w.acc_o.resize(size_t(kRowBlock * D));
  w.new_open.resize(size_t(len * D));
  w.new_closed.resize(hp.need_closed ? size_t(len * D) : 0);
  w.xpast.resize(size_t(len * D));
  w.xself.resize(hp.finest || hp.cone ? 0 : size_t(len * D));
  auto gather_rows = [&](float* dst, const float* src, int64_t heads, int64_t head) {
    for (int64_t a = 0; a < len; ++a) {
      const float* row = src + (token(a) * heads + head) * D;
      std::copy(row, row + D, dst + a * D);
    }
  };
  w.past.resize(size_t(len));
  w.self.resize(size_t(len));
  for (int64_t a = 0; a < len; ++a) {
    w.past[size_t(a)] = w.xpast.data() + a * D;
    w.self[size_t(a)] = (w.xself.empty() ? w.xpast.data() : w.xself.data()) + a * D;
  }
  if (hp.finest) gather_rows(w.xpast.data(), hp.v, hp.n_head_kv, g);
  float sum_c[kRowBlock], sum_o[kRowBlock];
  for (int64_t h = g * n_rep; h < (g + 1) * n_rep; ++h) {
    for (int64_t a = 0; a < len; ++a) {
      const float* qsrc = hp.q + (token(a) * hp.n_head + h) * D;
      float* qd = w.qs.data() + a * D;
      if (hp.rope) {
        rotate_row(qd, qsrc, D, *hp.rope, pos(a));
      } else {
        std::copy(qsrc, qsrc + D, qd);
      }
      for (int64_t e = 0; e < D; ++e) qd[e] *= hp.scale;
    }
    // open: the past carries closed_{j+1} (cone: X_{j+1}), t itself open_{j+1}; V (shared by the
    // group, gathered once) when finest. Gathered contiguously: every query block streams them.
    if (!hp.finest) {
      gather_rows(w.xpast.data(), hp.cone ? hp.out : hp.closed, hp.n_head, h);
      if (!hp.cone) gather_rows(w.xself.data(), hp.out, hp.n_head, h);
    }
    for (int64_t a0 = 0; a0 < len; a0 += kRowBlock) {
      const int64_t rows = std::min(kRowBlock, len - a0);
      // closed needs every key; open only keys up to the block's last query.
      const int64_t n_cols = hp.need_closed ? len : a0 + rows;
      fiber_scores(w.s.data(), ld, w.qs.data() + a0 * D, rows, w.kt.data(), ld, n_cols, D);
      for (int64_t r = 0; r < rows; ++r) {
        const float* sr = w.s.data() + r * ld;
        const int64_t a = a0 + r;
        if (hp.need_closed) {
          sum_c[r] = fiber_exp_sum(w.p_closed.data() + r * ld, sr, len,
                                   fiber_max(sr, len));
        }
        // open's own max: never an entry after t.
        sum_o[r] = fiber_exp_sum(w.p_open.data() + r * ld, sr, a + 1,
                                 fiber_max(sr, a + 1));
      }
      if (hp.need_closed) {
        std::fill(w.acc_c.begin(), w.acc_c.end(), 0.0f);
        fiber_accumulate(w.acc_c.data(), w.p_closed.data(), ld, rows, w.past.data(), 0, len, D);
        for (int64_t r = 0; r < rows; ++r) {
          fiber_normalize(w.new_closed.data() + (a0 + r) * D, w.acc_c.data() + r * D, sum_c[r], D);
        }
      }
      // The past entries every row of the block has go through the blocked kernel; then each
      // row's own remaining past and t itself, keeping each element's order b = 0, 1, ..., t.
      std::fill(w.acc_o.begin(), w.acc_o.end(), 0.0f);
      fiber_accumulate(w.acc_o.data(), w.p_open.data(), ld, rows, w.past.data(), 0, a0, D);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t a = a0 + r;
        float* acc = w.acc_o.data() + r * D;
        const float* pr = w.p_open.data() + r * ld;
        fiber_accumulate(acc, pr, ld, 1, w.past.data(), a0, a, D);
        fiber_accumulate(acc, pr + a, ld, 1, w.self.data() + a, 0, 1, D);
        fiber_normalize(w.new_open.data() + a * D, acc, sum_o[r], D);
      }
    }
    // Written back only now: the rows above were read as values by every query of the fiber.
    for (int64_t a = 0; a < len; ++a) {
      const float* no = w.new_open.data() + a * D;
      std::copy(no, no + D, hp.out + (token(a) * hp.n_head + h) * D);
      if (hp.need_closed) {
        const float* nc = w.new_closed.data() + a * D;
        std::copy(nc, nc + D, hp.closed + (token(a) * hp.n_head + h) * D);
      }
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
  // Every row is written by the finest hop before any hop reads it: no zero fill needed.
  std::unique_ptr<float[]> closed;
  if (!cone && d > 1) closed.reset(new float[size_t(n * n_head * head_dim)]);
  const bool global_rope = rope_kind == TensorRope::global;
  RopeTable global_table;
  if (rope.n_rot > 0 && global_rope) global_table = make_rope_table(ex.pool, n, rope);
  for (int64_t j = d - 1; j >= 0; --j) {
    RopeTable local_table;
    if (rope.n_rot > 0 && !global_rope) {
      local_table = make_rope_table(nullptr, dims.n[size_t(j)], rope);
    }
    Hop hp{q, k, v, out, closed.get(), n, n_head, n_head_kv, head_dim,
           scale, dims.n[size_t(j)], dims.stride(j), j == d - 1, !cone && j > 0, cone,
           global_rope, rope.n_rot > 0 ? (global_rope ? &global_table : &local_table) : nullptr};
    // Fiber f starts at t0 = (f / stride) * stride * n_j + f % stride, where c_j(t0) = 0; only
    // the first ceil(n / (stride n_j)) blocks of fibers can hold a real token.
    const int64_t block = hp.stride * hp.n_j;
    const int64_t n_fibers = (n + block - 1) / block * hp.stride;
    auto body = [&hp, n_head_kv](int64_t b, int64_t e) {
      Scratch w;
      for (int64_t task = b; task < e; ++task) {
        const int64_t f = task / n_head_kv, g = task % n_head_kv;
        const int64_t t0 = (f / hp.stride) * hp.stride * hp.n_j + f % hp.stride;
        if (t0 < hp.n) run_task(hp, w, t0, g);
      }
    };
    if (ex.pool) {
      ex.pool->parallel_for(n_fibers * n_head_kv, 1, body);
    } else {
      body(0, n_fibers * n_head_kv);
    }
  }
}

}  // namespace kern::cpu
