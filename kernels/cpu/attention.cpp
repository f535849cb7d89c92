// kern::cpu::attention: exact causal attention, flash-attention-2 style.
// Algorithm: a task owns a tile of queries and one kv head, i.e. every query head of that GQA
// group (rows = tile queries x n_rep heads, so each K/V tile is decoded once for all of them).
// It walks key tiles of kTk up to its last query's position: decodes K transposed [head_dim,
// kTk] and V [kTk, head_dim] into f32 scratch, computes the tile's scores row by row, and folds
// them into a running max m, running sum l and unnormalized accumulator (online softmax:
// rescale by exp(m_old - m_new)). Memory is O(rows x head_dim + tile); no n_q x n_kv matrix.
// Keys after a query's position are never read for it (loops stop at its last visible key), so
// its output does not depend on them, bit for bit.
// Parallelization: tasks (query tile, kv head) over Exec::pool. Decode (n_q == 1) has too few
// tasks, so long caches are split into key chunks whose partial (m, l, acc) merge by log-sum-exp.
// Numerics: f32 accumulation; inner loops run over keys (scores) and head_dim (accumulator) with
// no reduction, so the compiler vectorizes them; x86-64 gets an AVX2 clone picked at load time.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define QUIRE_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QUIRE_AVX2_CLONES
#endif

namespace kern::cpu {
namespace {

constexpr int64_t kTk = 64;            // keys per tile
constexpr int64_t kRowsPerTask = 64;   // target query rows (queries x group heads) per task
constexpr int64_t kSplitChunk = 256;   // minimum keys per chunk when decode splits the cache

struct Problem {
  const float* q;
  const unsigned char* k;
  const unsigned char* v;
  KvType kv_type;
  int64_t n_q, n_kv, n_head, n_head_kv, head_dim, n_rep, row_bytes;
  float scale;
};

// Online-softmax state of `rows` query rows: running max, sum, and unnormalized output.
struct RowState {
  std::vector<float> qs;    // [rows, head_dim] queries times scale
  std::vector<float> m;     // [rows]
  std::vector<float> l;     // [rows]
  std::vector<float> acc;   // [rows, head_dim]
  std::vector<float> kt;    // [head_dim, kTk] the K tile, transposed
  std::vector<float> vt;    // [kTk, head_dim] the V tile
  std::vector<float> row;   // [head_dim] decode buffer
  std::vector<float> s;     // [kTk] scores of one row

  RowState(int64_t rows, int64_t head_dim)
      : qs(size_t(rows * head_dim)), m(size_t(rows)), l(size_t(rows)),
        acc(size_t(rows * head_dim)), kt(size_t(head_dim * kTk)), vt(size_t(kTk * head_dim)),
        row(size_t(head_dim)), s(size_t(kTk)) {}
};

// Folds one decoded key tile (nk keys) into the state of row r whose first n_valid keys of the
// tile are visible. The hot loop: cloned for AVX2.
QUIRE_AVX2_CLONES
void fold_tile(float* __restrict acc, float* __restrict m, float* __restrict l,
               const float* __restrict qr, const float* __restrict kt,
               const float* __restrict vt, float* __restrict s, int64_t n_valid,
               int64_t head_dim) {
  for (int64_t j = 0; j < n_valid; ++j) s[j] = 0.0f;
  for (int64_t d = 0; d < head_dim; ++d) {
    const float qd = qr[d];
    const float* kd = kt + d * kTk;
    for (int64_t j = 0; j < n_valid; ++j) s[j] += qd * kd[j];
  }
  float tile_max = s[0];
  for (int64_t j = 1; j < n_valid; ++j) tile_max = std::max(tile_max, s[j]);
  const float m_new = std::max(*m, tile_max);
  const float alpha = std::exp(*m - m_new);  // 0 on the first tile (m = -inf)
  float sum = 0.0f;
  for (int64_t j = 0; j < n_valid; ++j) {
    s[j] = std::exp(s[j] - m_new);
    sum += s[j];
  }
  *l = *l * alpha + sum;
  *m = m_new;
  if (alpha != 1.0f) {
    for (int64_t d = 0; d < head_dim; ++d) acc[d] *= alpha;
  }
  for (int64_t j = 0; j < n_valid; ++j) {
    const float p = s[j];
    const float* vj = vt + j * head_dim;
    for (int64_t d = 0; d < head_dim; ++d) acc[d] += p * vj[d];
  }
}

// Decodes keys [j0, j0 + nk) of kv head g into st.kt (transposed) and st.vt.
void load_tile(const Problem& P, int64_t g, int64_t j0, int64_t nk, RowState& st) {
  const int64_t hd = P.head_dim;
  for (int64_t j = 0; j < nk; ++j) {
    const int64_t off = ((j0 + j) * P.n_head_kv + g) * P.row_bytes;
    kv_decode_row(P.kv_type, P.k + off, st.row.data(), hd);
    for (int64_t d = 0; d < hd; ++d) st.kt[size_t(d * kTk + j)] = st.row[size_t(d)];
    kv_decode_row(P.kv_type, P.v + off, st.vt.data() + j * hd, hd);
  }
}

// Runs queries [i0, i1) of kv head g over keys [k_begin, k_end) (causally clipped per query),
// leaving each row's (m, l, acc) in st. Row r = (i - i0) * n_rep + rep, head g * n_rep + rep.
void attend(const Problem& P, int64_t i0, int64_t i1, int64_t g, int64_t k_begin, int64_t k_end,
            RowState& st) {
  const int64_t hd = P.head_dim;
  const int64_t rows = (i1 - i0) * P.n_rep;
  // The group's heads of one query are contiguous in q, so the task's rows are too, per query.
  for (int64_t i = i0; i < i1; ++i) {
    const float* src = P.q + (i * P.n_head + g * P.n_rep) * hd;
    float* dst = st.qs.data() + (i - i0) * P.n_rep * hd;
    for (int64_t e = 0; e < P.n_rep * hd; ++e) dst[e] = src[e] * P.scale;
  }
  std::fill_n(st.m.begin(), rows, -INFINITY);
  std::fill_n(st.l.begin(), rows, 0.0f);
  std::fill_n(st.acc.begin(), rows * hd, 0.0f);
  const int64_t last_pos = P.n_kv - P.n_q + (i1 - 1);
  const int64_t end = std::min(k_end, last_pos + 1);
  for (int64_t j0 = k_begin; j0 < end; j0 += kTk) {
    const int64_t nk = std::min(kTk, end - j0);
    load_tile(P, g, j0, nk, st);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t pos = P.n_kv - P.n_q + i0 + r / P.n_rep;
      const int64_t n_valid = std::min(nk, pos + 1 - j0);
      if (n_valid <= 0) continue;
      fold_tile(st.acc.data() + r * hd, &st.m[size_t(r)], &st.l[size_t(r)],
                st.qs.data() + r * hd, st.kt.data(), st.vt.data(), st.s.data(), n_valid, hd);
    }
  }
}

template <class Fn>
void run_tasks(const Exec& ex, int64_t n, Fn&& fn) {
  if (ex.pool == nullptr) {
    fn(int64_t{0}, n);
  } else {
    ex.pool->parallel_for(n, 1, fn);
  }
}

// Decode with a long cache: key chunks in parallel, then a log-sum-exp merge per head.
void attention_split(const Exec& ex, float* out, const Problem& P, int64_t n_chunks) {
  const int64_t hd = P.head_dim;
  const int64_t chunk = (P.n_kv + n_chunks - 1) / n_chunks;
  // partial[c][h]: m, l, acc[head_dim]
  const int64_t stride = hd + 2;
  std::vector<float> partial(size_t(n_chunks * P.n_head * stride));
  run_tasks(ex, n_chunks * P.n_head_kv, [&](int64_t begin, int64_t end) {
    RowState st(P.n_rep, hd);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t c = t / P.n_head_kv, g = t % P.n_head_kv;
      attend(P, 0, 1, g, c * chunk, std::min(P.n_kv, (c + 1) * chunk), st);
      for (int64_t rep = 0; rep < P.n_rep; ++rep) {
        float* dst = partial.data() + (c * P.n_head + g * P.n_rep + rep) * stride;
        dst[0] = st.m[size_t(rep)];
        dst[1] = st.l[size_t(rep)];
        std::copy_n(st.acc.data() + rep * hd, hd, dst + 2);
      }
    }
  });
  for (int64_t h = 0; h < P.n_head; ++h) {
    float m = -INFINITY;
    for (int64_t c = 0; c < n_chunks; ++c) m = std::max(m, partial[size_t((c * P.n_head + h) * stride)]);
    float l = 0.0f;
    float* o = out + h * hd;
    std::fill_n(o, hd, 0.0f);
    for (int64_t c = 0; c < n_chunks; ++c) {
      const float* src = partial.data() + (c * P.n_head + h) * stride;
      const float w = std::exp(src[0] - m);
      l += src[1] * w;
      for (int64_t d = 0; d < hd; ++d) o[d] += src[2 + d] * w;
    }
    const float inv = 1.0f / l;
    for (int64_t d = 0; d < hd; ++d) o[d] *= inv;
  }
}

}  // namespace

void attention(const Exec& ex, float* out, const float* q, const void* k, const void* v,
               KvType kv_type, int64_t n_q, int64_t n_kv, int64_t n_head, int64_t n_head_kv,
               int64_t head_dim, float scale) {
  const Problem P{q, static_cast<const unsigned char*>(k), static_cast<const unsigned char*>(v),
                  kv_type, n_q, n_kv, n_head, n_head_kv, head_dim, n_head / n_head_kv,
                  kv_row_bytes(kv_type, head_dim), scale};
  const int threads = ex.pool != nullptr ? ex.pool->size() : 1;
  if (n_q == 1 && threads > 1 && n_head_kv < 2 * threads && n_kv >= 2 * kSplitChunk) {
    const int64_t n_chunks = std::min<int64_t>(n_kv / kSplitChunk, 4 * threads);
    attention_split(ex, out, P, n_chunks);
    return;
  }
  const int64_t tq = std::max<int64_t>(1, kRowsPerTask / P.n_rep);
  const int64_t n_tiles = (n_q + tq - 1) / tq;
  // Later query tiles see more keys; schedule them first so the tail of the pool is short.
  run_tasks(ex, n_tiles * n_head_kv, [&](int64_t begin, int64_t end) {
    RowState st(tq * P.n_rep, head_dim);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t tile = n_tiles - 1 - t / n_head_kv, g = t % n_head_kv;
      const int64_t i0 = tile * tq, i1 = std::min(n_q, i0 + tq);
      attend(P, i0, i1, g, 0, n_kv, st);
      for (int64_t r = 0; r < (i1 - i0) * P.n_rep; ++r) {
        const int64_t i = i0 + r / P.n_rep, h = g * P.n_rep + r % P.n_rep;
        float* o = out + (i * n_head + h) * head_dim;
        const float inv = 1.0f / st.l[size_t(r)];
        const float* a = st.acc.data() + r * head_dim;
        for (int64_t d = 0; d < head_dim; ++d) o[d] = a[d] * inv;
      }
    }
  });
}

}  // namespace kern::cpu
