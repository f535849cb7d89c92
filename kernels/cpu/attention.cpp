// kern::cpu::attention: exact causal attention, flash-attention-2 style.
// Algorithm: a query tile is tq queries of one kv head, i.e. every query head of that GQA group
// (rows = tile queries x n_rep heads). Key tiles of kTk keys are decoded into f32 scratch, K
// transposed [head_dim, kTk] and V [kTk, head_dim]; per query tile, each key tile's scores are
// folded into a running max m, running sum l and unnormalized accumulator (online softmax:
// rescale by exp(m_old - m_new)). Memory is O(rows x head_dim + rows x kTk) per query tile; no
// n_q x n_kv matrix. Prefill: a task owns one kv head and a group of query tiles and walks the
// key tiles once, applying each decoded tile to every query tile of the group that sees it, so a
// key is decoded once per group rather than once per query tile (for 512 queries, 8 tiles: 4.5x
// fewer decodes). Scores (rows x keys) and P.V (rows x head_dim) run in register-blocked
// micro-kernels of kRowBlock x kColBlock floats, so each loaded K or V vector is used by several
// rows. Keys after a query's position are never read for it (loops stop at its last visible
// key), so its output does not depend on them, bit for bit.
// Parallelization: tasks (group of query tiles, kv head) over Exec::pool; a group takes every
// G-th tile (G groups per head, G just large enough for 2 tasks per thread) so that the causal
// work is balanced. Decode (n_q == 1) has too few tasks, so long caches are split into key
// chunks whose partial (m, l, acc) merge by log-sum-exp.
// Numerics: f32 accumulation; every row folds its key tiles in the same order whatever the
// grouping, so results do not depend on the thread count. The micro-kernels' inner loops have
// fixed trip counts and no reduction, so the compiler vectorizes them; exp is fast_exp (a few
// ulp); x86-64 gets AVX2 clones picked at load time.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/cpu/avx2_clones.h"
#include "kernels/cpu/fast_exp.h"
#include "kernels/kernels.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {

constexpr int64_t kTk = 64;            // keys per tile
constexpr int64_t kRowsPerTask = 64;   // target query rows (queries x group heads) per task
constexpr int64_t kSplitChunk = 256;   // minimum keys per chunk when decode splits the cache
// Micro-kernel block held in registers: 4 rows (queries x heads) x 16 columns (keys or dims) =
// 8 eight-float vectors. The kernels below are written for exactly these sizes.
constexpr int64_t kRowBlock = 4;
constexpr int64_t kColBlock = 16;
// Keys transposed together into the K tile (one 8 x 8 register transpose per 8 dims).
constexpr int64_t kTransposeKeys = 8;
// How far ahead of the row being decoded load_tile prefetches (keys). One head's rows are
// n_head_kv rows apart and, in decode, were evicted since the last token: without the prefetch
// a 32k-key decode spends most of its time waiting on them (bench_attention decode: 2-3x slower).
constexpr int64_t kPrefetchKeys = 16;

struct Problem {
  const float* q;
  const unsigned char* k;
  const unsigned char* v;
  KvType kv_type;
  int64_t n_q, n_kv, n_head, n_head_kv, head_dim, n_rep, row_bytes;
  float scale;
};

// Online-softmax state of one query tile. Row counts are padded to kRowBlock so that the
// register-blocked micro-kernels may read whole blocks (padding is zero).
struct RowState {
  std::vector<float> qs;    // [rows_padded, head_dim] queries times scale
  std::vector<float> m;     // [rows] running max
  std::vector<float> l;     // [rows] running sum of exp(score - m)
  std::vector<float> acc;   // [rows_padded, head_dim] unnormalized output

  RowState(int64_t rows, int64_t head_dim)
      : qs(size_t(padded(rows) * head_dim)), m(size_t(rows)), l(size_t(rows)),
        acc(size_t(padded(rows) * head_dim)) {}

  static int64_t padded(int64_t rows) { return (rows + kRowBlock - 1) / kRowBlock * kRowBlock; }
};

// A task's decoded key tile and per-tile scratch, shared by the query tiles it serves.
struct TileScratch {
  std::vector<float> kt;         // [head_dim, kTk] the K tile, transposed; columns >= nk are 0
  std::vector<float> vt;         // [kTk, head_dim] the V tile
  std::vector<float> krows;      // [kTransposeKeys, head_dim] decoded K rows awaiting transpose
  std::vector<float> s;          // [rows_padded, kTk] scores, then probabilities
  std::vector<int64_t> n_valid;  // [rows_padded] visible keys of the tile per row

  TileScratch(int64_t rows, int64_t head_dim)
      : kt(size_t(head_dim * kTk)), vt(size_t(kTk * head_dim)), krows(size_t(kTransposeKeys * head_dim)),
        s(size_t(RowState::padded(rows) * kTk)), n_valid(size_t(RowState::padded(rows))) {}
};

// Eight floats as one value: GCC/Clang vector extensions, so the same source becomes AVX2 in the
// avx2 clone and pairs of SSE registers in the default one. at8() views 8 floats in place
// (unaligned; vector types alias their element type), so no vector crosses a call boundary and
// the clones share one ABI.
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x8u __attribute__((vector_size(32), aligned(4)));

inline const f32x8u& at8(const float* p) { return *reinterpret_cast<const f32x8u*>(p); }
inline f32x8u& at8(float* p) { return *reinterpret_cast<f32x8u*>(p); }

// s[r, j] = <qs[r], k_j> for rows [0, rows) (rounded up to kRowBlock) and keys j < n_cols
// (n_cols a multiple of kColBlock). Register-blocked: a kRowBlock x kColBlock block of scores
// stays in vector registers while head_dim streams through.
QUIRE_AVX2_CLONES
void tile_scores(float* __restrict s, const float* __restrict qs, const float* __restrict kt,
                 int64_t rows, int64_t n_cols, int64_t head_dim) {
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const float* q = qs + r0 * head_dim;
    for (int64_t j0 = 0; j0 < n_cols; j0 += kColBlock) {
      f32x8 a00 = {}, a01 = {}, a10 = {}, a11 = {}, a20 = {}, a21 = {}, a30 = {}, a31 = {};
      for (int64_t d = 0; d < head_dim; ++d) {
        const f32x8 k0 = at8(kt + d * kTk + j0), k1 = at8(kt + d * kTk + j0 + 8);
        const float q0 = q[d], q1 = q[head_dim + d], q2 = q[2 * head_dim + d],
                    q3 = q[3 * head_dim + d];
        a00 += q0 * k0; a01 += q0 * k1;
        a10 += q1 * k0; a11 += q1 * k1;
        a20 += q2 * k0; a21 += q2 * k1;
        a30 += q3 * k0; a31 += q3 * k1;
      }
      float* out = s + r0 * kTk + j0;
      at8(out) = a00; at8(out + 8) = a01;
      at8(out + kTk) = a10; at8(out + kTk + 8) = a11;
      at8(out + 2 * kTk) = a20; at8(out + 2 * kTk + 8) = a21;
      at8(out + 3 * kTk) = a30; at8(out + 3 * kTk + 8) = a31;
    }
  }
}

// acc[r] += sum_{j < n_keys} p[r, j] * v_j for the kRowBlock rows at acc / p (p row stride kTk).
QUIRE_AVX2_CLONES
void tile_pv_block(float* __restrict acc, const float* __restrict p, const float* __restrict vt,
                   int64_t n_keys, int64_t head_dim) {
  int64_t d0 = 0;
  for (; d0 + kColBlock <= head_dim; d0 += kColBlock) {
    float* o0 = acc + d0;
    float* o1 = o0 + head_dim;
    float* o2 = o1 + head_dim;
    float* o3 = o2 + head_dim;
    f32x8 a00 = at8(o0), a01 = at8(o0 + 8), a10 = at8(o1), a11 = at8(o1 + 8);
    f32x8 a20 = at8(o2), a21 = at8(o2 + 8), a30 = at8(o3), a31 = at8(o3 + 8);
    for (int64_t j = 0; j < n_keys; ++j) {
      const f32x8 v0 = at8(vt + j * head_dim + d0), v1 = at8(vt + j * head_dim + d0 + 8);
      const float p0 = p[j], p1 = p[kTk + j], p2 = p[2 * kTk + j], p3 = p[3 * kTk + j];
      a00 += p0 * v0; a01 += p0 * v1;
      a10 += p1 * v0; a11 += p1 * v1;
      a20 += p2 * v0; a21 += p2 * v1;
      a30 += p3 * v0; a31 += p3 * v1;
    }
    at8(o0) = a00; at8(o0 + 8) = a01; at8(o1) = a10; at8(o1 + 8) = a11;
    at8(o2) = a20; at8(o2 + 8) = a21; at8(o3) = a30; at8(o3 + 8) = a31;
  }
  for (int64_t r = 0; r < kRowBlock; ++r) {  // head_dim not a multiple of kColBlock
    for (int64_t j = 0; j < n_keys; ++j) {
      for (int64_t d = d0; d < head_dim; ++d) {
        acc[r * head_dim + d] += p[r * kTk + j] * vt[j * head_dim + d];
      }
    }
  }
}

// acc += sum_{j0 <= j < j1} p[j] * v_j for one row.
QUIRE_AVX2_CLONES
void tile_pv_row(float* __restrict acc, const float* __restrict p, const float* __restrict vt,
                 int64_t j0, int64_t j1, int64_t head_dim) {
  for (int64_t j = j0; j < j1; ++j) {
    const float pj = p[j];
    const float* vj = vt + j * head_dim;
    for (int64_t d = 0; d < head_dim; ++d) acc[d] += pj * vj[d];
  }
}

// Online-softmax step of one row over its n_valid visible scores: turns them into
// exp(s - m_new) in place, updates m and l, and rescales the row's accumulator.
QUIRE_AVX2_CLONES
void softmax_step(float* __restrict s, int64_t n_valid, float& m, float& l,
                  float* __restrict acc, int64_t head_dim) {
  // Eight running maxima in one vector (GCC does not vectorize a float max reduction: it may
  // not reorder it); max is exact, so the order does not change the result.
  f32x8 lane_max = f32x8{} - INFINITY;
  int64_t j8 = 0;
  for (; j8 + 8 <= n_valid; j8 += 8) {
    const f32x8 x = at8(s + j8);
    lane_max = lane_max < x ? x : lane_max;
  }
  float tile_max = lane_max[0];
  for (int e = 1; e < 8; ++e) tile_max = std::max(tile_max, lane_max[e]);
  for (int64_t j = j8; j < n_valid; ++j) tile_max = std::max(tile_max, s[j]);
  const float m_new = std::max(m, tile_max);
  const float alpha = fast_exp(m - m_new);  // 0 on the first tile (m = -inf)
  float sum = 0.0f;
  for (int64_t j = 0; j < n_valid; ++j) {
    s[j] = fast_exp(s[j] - m_new);
    sum += s[j];
  }
  l = l * alpha + sum;
  m = m_new;
  if (alpha != 1.0f) {
    for (int64_t d = 0; d < head_dim; ++d) acc[d] *= alpha;
  }
}

typedef int i32x8 __attribute__((vector_size(32)));

// kt[(d + a) * kTk + j + i] = rows[i * head_dim + d + a] for i, a < 8 and d < head_dim in steps
// of 8 (then one by one): kTransposeKeys decoded K rows into the transposed tile, one 8 x 8 block
// at a time in registers (unpack, shuffle, 128-bit lane swap: 24 shuffles per 64 floats instead
// of 64 scalar stores).
QUIRE_AVX2_CLONES
void transpose_keys(float* __restrict kt, const float* __restrict rows, int64_t j, int64_t head_dim) {
  static_assert(kTransposeKeys == 8, "the register transpose is 8 x 8");
  const i32x8 lo = {0, 8, 1, 9, 4, 12, 5, 13}, hi = {2, 10, 3, 11, 6, 14, 7, 15};
  const i32x8 pair_lo = {0, 1, 8, 9, 4, 5, 12, 13}, pair_hi = {2, 3, 10, 11, 6, 7, 14, 15};
  const i32x8 half_lo = {0, 1, 2, 3, 8, 9, 10, 11}, half_hi = {4, 5, 6, 7, 12, 13, 14, 15};
  int64_t d = 0;
  for (; d + 8 <= head_dim; d += 8) {
    f32x8 r[8];
    for (int i = 0; i < 8; ++i) r[i] = at8(rows + i * head_dim + d);
    const f32x8 t0 = __builtin_shuffle(r[0], r[1], lo), t1 = __builtin_shuffle(r[0], r[1], hi);
    const f32x8 t2 = __builtin_shuffle(r[2], r[3], lo), t3 = __builtin_shuffle(r[2], r[3], hi);
    const f32x8 t4 = __builtin_shuffle(r[4], r[5], lo), t5 = __builtin_shuffle(r[4], r[5], hi);
    const f32x8 t6 = __builtin_shuffle(r[6], r[7], lo), t7 = __builtin_shuffle(r[6], r[7], hi);
    const f32x8 u0 = __builtin_shuffle(t0, t2, pair_lo), u1 = __builtin_shuffle(t0, t2, pair_hi);
    const f32x8 u2 = __builtin_shuffle(t1, t3, pair_lo), u3 = __builtin_shuffle(t1, t3, pair_hi);
    const f32x8 u4 = __builtin_shuffle(t4, t6, pair_lo), u5 = __builtin_shuffle(t4, t6, pair_hi);
    const f32x8 u6 = __builtin_shuffle(t5, t7, pair_lo), u7 = __builtin_shuffle(t5, t7, pair_hi);
    float* o = kt + d * kTk + j;
    at8(o) = __builtin_shuffle(u0, u4, half_lo);
    at8(o + kTk) = __builtin_shuffle(u1, u5, half_lo);
    at8(o + 2 * kTk) = __builtin_shuffle(u2, u6, half_lo);
    at8(o + 3 * kTk) = __builtin_shuffle(u3, u7, half_lo);
    at8(o + 4 * kTk) = __builtin_shuffle(u0, u4, half_hi);
    at8(o + 5 * kTk) = __builtin_shuffle(u1, u5, half_hi);
    at8(o + 6 * kTk) = __builtin_shuffle(u2, u6, half_hi);
    at8(o + 7 * kTk) = __builtin_shuffle(u3, u7, half_hi);
  }
  for (; d < head_dim; ++d) {
    for (int64_t i = 0; i < kTransposeKeys; ++i) kt[d * kTk + j + i] = rows[i * head_dim + d];
  }
}

// Decodes keys [j0, j0 + nk) of kv head g into st.kt (transposed) and st.vt.
void load_tile(const Problem& P, int64_t g, int64_t j0, int64_t nk, TileScratch& st) {
  const int64_t hd = P.head_dim;
  const int64_t stride = P.n_head_kv * P.row_bytes;  // from one key's row of head g to the next
  for (int64_t j = 0; j < nk; ++j) {
    const int64_t off = (j0 + j) * stride + g * P.row_bytes;
    if (j0 + j + kPrefetchKeys < P.n_kv) {
      for (int64_t b = 0; b < P.row_bytes; b += 64) {
        __builtin_prefetch(P.k + off + kPrefetchKeys * stride + b);
        __builtin_prefetch(P.v + off + kPrefetchKeys * stride + b);
      }
    }
    const int64_t slot = j % kTransposeKeys;
    kv_decode_row(P.kv_type, P.k + off, st.krows.data() + slot * hd, hd);
    if (slot == kTransposeKeys - 1) transpose_keys(st.kt.data(), st.krows.data(), j + 1 - kTransposeKeys, hd);
    kv_decode_row(P.kv_type, P.v + off, st.vt.data() + j * hd, hd);
  }
  const int64_t done = nk / kTransposeKeys * kTransposeKeys;  // keys left in st.krows: [done, nk)
  for (int64_t d = 0; d < hd; ++d) {
    for (int64_t j = done; j < nk; ++j) st.kt[size_t(d * kTk + j)] = st.krows[size_t((j - done) * hd + d)];
  }
  if (nk < kTk) {  // the score kernel reads whole column blocks
    for (int64_t d = 0; d < hd; ++d) std::fill_n(st.kt.data() + d * kTk + nk, kTk - nk, 0.0f);
  }
}

// Starts the rows of queries [i0, i1) of kv head g: scaled queries, empty softmax state.
// Row r = (i - i0) * n_rep + rep is head g * n_rep + rep of query i.
void begin_rows(const Problem& P, int64_t i0, int64_t i1, int64_t g, RowState& st) {
  const int64_t hd = P.head_dim;
  const int64_t rows = (i1 - i0) * P.n_rep;
  const int64_t rows_padded = RowState::padded(rows);
  // The group's heads of one query are contiguous in q, so the tile's rows are too, per query.
  for (int64_t i = i0; i < i1; ++i) {
    const float* src = P.q + (i * P.n_head + g * P.n_rep) * hd;
    float* dst = st.qs.data() + (i - i0) * P.n_rep * hd;
    for (int64_t e = 0; e < P.n_rep * hd; ++e) dst[e] = src[e] * P.scale;
  }
  std::fill(st.qs.begin() + rows * hd, st.qs.begin() + rows_padded * hd, 0.0f);
  std::fill_n(st.m.begin(), rows, -INFINITY);
  std::fill_n(st.l.begin(), rows, 0.0f);
  std::fill_n(st.acc.begin(), rows_padded * hd, 0.0f);
}

// One past the last key that any of the queries [.., i1) sees (query i1 - 1's).
int64_t visible_end(const Problem& P, int64_t i1) {
  return std::min(P.n_kv, P.n_kv - P.n_q + i1);
}

// Folds the decoded key tile [j0, j0 + nk) in ts into the rows of queries [i0, i1); a row reads
// only its visible keys' scores and values, which keeps causality exact.
void attend_tile(const Problem& P, int64_t i0, int64_t i1, int64_t j0, int64_t nk, RowState& st,
                 TileScratch& ts) {
  const int64_t hd = P.head_dim;
  const int64_t rows = (i1 - i0) * P.n_rep;
  const int64_t first_pos = P.n_kv - P.n_q + i0;
  const int64_t n_cols = (nk + kColBlock - 1) / kColBlock * kColBlock;
  tile_scores(ts.s.data(), st.qs.data(), ts.kt.data(), rows, n_cols, hd);
  // Padding rows never limit a block.
  std::fill(ts.n_valid.begin() + rows, ts.n_valid.begin() + RowState::padded(rows), nk);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pos = first_pos + r / P.n_rep;
    ts.n_valid[size_t(r)] = std::clamp<int64_t>(pos + 1 - j0, 0, nk);
    if (ts.n_valid[size_t(r)] == 0) continue;
    softmax_step(ts.s.data() + r * kTk, ts.n_valid[size_t(r)], st.m[size_t(r)],
                 st.l[size_t(r)], st.acc.data() + r * hd, hd);
  }
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    // Keys every row of the block sees go through the blocked kernel, the rest row by row.
    const int64_t common =
        *std::min_element(ts.n_valid.begin() + r0, ts.n_valid.begin() + r0 + kRowBlock);
    if (common > 0) {
      tile_pv_block(st.acc.data() + r0 * hd, ts.s.data() + r0 * kTk, ts.vt.data(), common, hd);
    }
    for (int64_t r = r0; r < std::min(rows, r0 + kRowBlock); ++r) {
      tile_pv_row(st.acc.data() + r * hd, ts.s.data() + r * kTk, ts.vt.data(), common,
                  ts.n_valid[size_t(r)], hd);
    }
  }
}

// Runs queries [i0, i1) of kv head g over keys [k_begin, k_end) (causally clipped per query),
// leaving each row's (m, l, acc) in st.
void attend(const Problem& P, int64_t i0, int64_t i1, int64_t g, int64_t k_begin, int64_t k_end,
            RowState& st, TileScratch& ts) {
  begin_rows(P, i0, i1, g, st);
  const int64_t end = std::min(k_end, visible_end(P, i1));
  for (int64_t j0 = k_begin; j0 < end; j0 += kTk) {
    const int64_t nk = std::min(kTk, end - j0);
    load_tile(P, g, j0, nk, ts);
    attend_tile(P, i0, i1, j0, nk, st, ts);
  }
}

// Writes out the normalized rows of queries [i0, i1) of kv head g.
void store_rows(const Problem& P, float* out, int64_t i0, int64_t i1, int64_t g,
                const RowState& st) {
  const int64_t hd = P.head_dim;
  for (int64_t r = 0; r < (i1 - i0) * P.n_rep; ++r) {
    const int64_t i = i0 + r / P.n_rep, h = g * P.n_rep + r % P.n_rep;
    float* o = out + (i * P.n_head + h) * hd;
    const float inv = 1.0f / st.l[size_t(r)];
    const float* a = st.acc.data() + r * hd;
    for (int64_t d = 0; d < hd; ++d) o[d] = a[d] * inv;
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
    TileScratch ts(P.n_rep, hd);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t c = t / P.n_head_kv, g = t % P.n_head_kv;
      attend(P, 0, 1, g, c * chunk, std::min(P.n_kv, (c + 1) * chunk), st, ts);
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
  // Enough groups per kv head for two tasks per thread, no more: each group decodes the keys
  // its tiles see once.
  const int64_t n_groups =
      std::clamp<int64_t>((2 * threads + n_head_kv - 1) / n_head_kv, 1, n_tiles);
  run_tasks(ex, n_groups * n_head_kv, [&](int64_t begin, int64_t end) {
    TileScratch ts(tq * P.n_rep, head_dim);
    std::vector<RowState> states;
    for (int64_t t = begin; t < end; ++t) {
      const int64_t group = t / n_head_kv, g = t % n_head_kv;
      // Tiles group, group + n_groups, ...: early (short) and late (long) tiles mixed.
      const int64_t n_mine = (n_tiles - group + n_groups - 1) / n_groups;
      auto tile_range = [&](int64_t u) {
        const int64_t i0 = (group + u * n_groups) * tq;
        return std::pair{i0, std::min(n_q, i0 + tq)};
      };
      states.resize(size_t(n_mine), RowState(tq * P.n_rep, head_dim));
      for (int64_t u = 0; u < n_mine; ++u) {
        const auto [i0, i1] = tile_range(u);
        begin_rows(P, i0, i1, g, states[size_t(u)]);
      }
      const int64_t end_all = visible_end(P, tile_range(n_mine - 1).second);
      for (int64_t j0 = 0; j0 < end_all; j0 += kTk) {
        const int64_t nk_all = std::min(kTk, end_all - j0);
        load_tile(P, g, j0, nk_all, ts);
        for (int64_t u = 0; u < n_mine; ++u) {
          const auto [i0, i1] = tile_range(u);
          // A tile sees keys up to visible_end; the columns past it are decoded for later tiles
          // but never read for this one (n_valid clips them), so causality stays exact.
          const int64_t nk = std::min(nk_all, visible_end(P, i1) - j0);
          if (nk > 0) attend_tile(P, i0, i1, j0, nk, states[size_t(u)], ts);
        }
      }
      for (int64_t u = 0; u < n_mine; ++u) {
        const auto [i0, i1] = tile_range(u);
        store_rows(P, out, i0, i1, g, states[size_t(u)]);
      }
    }
  });
}

}  // namespace kern::cpu
