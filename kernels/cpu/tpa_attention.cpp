// kern::cpu::tpa_decode_attention: TPA attention from the cached factors (kernels/tpa.h).
// Algorithm: keys are folded in blocks of kBlock tokens into a running (max, sum, accumulator)
// per head (online softmax). For a block: P[m,r,s] = <B_Q[r], B_K[m,s]> (rank_q x rank_k dots
// of head_dim, shared by every head), then L[h,m] = c sum_s A_K[m,h,s] sum_r A_Q[h,r] P[m,r,s]
// (n_head x rank_q x rank_k), then acc[h,:] += sum_u e^{L[h,m]-max} A_V[m,h,u] B_V[m,u,:]. K and
// V are never formed: per token the work is rank_q rank_k head_dim + n_head rank_k (rank_q +
// rank_v head_dim) multiply-adds, reading (n_head + head_dim)(rank_k + rank_v) cached numbers.
// Parallelization: decode (n_q == 1) splits the keys into blocks, one task each with its own
// state, merged by log-sum-exp at the end; prefill (n_q > 1) decodes the visible rows to f32
// once and runs one task per query. Numerics: f32 with 8 partial sums per dot product (so the
// compiler vectorizes the reduction); x86-64 gets AVX2 clones picked at load time.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/cpu/avx2_clones.h"
#include "kernels/kv_codec.h"
#include "kernels/thread_pool.h"
#include "kernels/tpa.h"

namespace kern::cpu {
namespace {

constexpr int64_t kBlock = 128;  // keys per block (and per decode task)

// Running softmax state of one query: per head max, sum of exp and unnormalized output.
struct State {
  std::vector<float> mx, sum, acc;
  void reset(int64_t n_head, int64_t head_dim) {
    mx.assign(size_t(n_head), -std::numeric_limits<float>::infinity());
    sum.assign(size_t(n_head), 0.0f);
    acc.assign(size_t(n_head * head_dim), 0.0f);
  }
};

QUIRE_AVX2_CLONES
float dot(const float* a, const float* b, int64_t n) {
  float part[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int k = 0; k < 8; ++k) part[k] += a[j + k] * b[j + k];
  }
  float s = 0.0f;
  for (; j < n; ++j) s += a[j] * b[j];
  for (float p : part) s += p;
  return s;
}

// Folds keys [0, n) of f32 rows k, v (stride `row`) into `st` for the query factors qa (A_Q
// [n_head, rank_q], unused for KV-only) and qb (B_Q [rq, head_dim]). L [n_head, n] and
// p [rq, rank_k] are scratch.
QUIRE_AVX2_CLONES
void fold_block(const TpaShape& s, const float* qa, const float* qb, const float* k,
                const float* v, int64_t row, int64_t n, float c, float* L, float* p, State& st) {
  const int64_t H = s.n_head, D = s.head_dim, RK = s.rank_k, RV = s.rank_v;
  const bool kv_only = s.rank_q == 0;
  const int64_t RQ = kv_only ? H : s.rank_q;
  for (int64_t m = 0; m < n; ++m) {
    const float* ak = k + m * row;
    const float* bk = ak + H * RK;
    for (int64_t r = 0; r < RQ; ++r) {
      for (int64_t sk = 0; sk < RK; ++sk) p[r * RK + sk] = dot(qb + r * D, bk + sk * D, D);
    }
    for (int64_t h = 0; h < H; ++h) {
      float l = 0.0f;
      for (int64_t sk = 0; sk < RK; ++sk) {
        float g = 0.0f;
        if (kv_only) {
          g = p[h * RK + sk];
        } else {
          for (int64_t r = 0; r < RQ; ++r) g += qa[h * RQ + r] * p[r * RK + sk];
        }
        l += ak[h * RK + sk] * g;
      }
      L[h * n + m] = l * c;
    }
  }
  for (int64_t h = 0; h < H; ++h) {
    float* lh = L + h * n;
    const float bm = *std::max_element(lh, lh + n);
    const float mx = std::max(st.mx[size_t(h)], bm);
    const float corr = std::exp(st.mx[size_t(h)] - mx);  // 0 for the first block (-inf)
    float sum = st.sum[size_t(h)] * corr;
    float* acc = st.acc.data() + h * D;
    for (int64_t j = 0; j < D; ++j) acc[j] *= corr;
    for (int64_t m = 0; m < n; ++m) sum += (lh[m] = std::exp(lh[m] - mx));
    st.sum[size_t(h)] = sum;
    st.mx[size_t(h)] = mx;
  }
  for (int64_t m = 0; m < n; ++m) {
    const float* av = v + m * row;
    const float* bv = av + H * RV;
    for (int64_t h = 0; h < H; ++h) {
      float* acc = st.acc.data() + h * D;
      for (int64_t u = 0; u < RV; ++u) {
        const float w = L[h * n + m] * av[h * RV + u];
        const float* b = bv + u * D;
        for (int64_t j = 0; j < D; ++j) acc[j] += w * b[j];
      }
    }
  }
}

void finish(const State& st, float* out, int64_t n_head, int64_t head_dim, int64_t rank_v) {
  for (int64_t h = 0; h < n_head; ++h) {
    const float inv = 1.0f / (st.sum[size_t(h)] * float(rank_v));
    for (int64_t j = 0; j < head_dim; ++j) out[h * head_dim + j] = st.acc[size_t(h * head_dim + j)] * inv;
  }
}

void run(const Exec& ex, int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (ex.pool == nullptr) {
    fn(0, n);
  } else {
    ex.pool->parallel_for(n, grain, fn);
  }
}

}  // namespace

void tpa_decode_attention(const Exec& ex, float* out, const float* q, const void* k_rows,
                          const void* v_rows, KvType kv_type, const TpaShape& s, int64_t n_q,
                          int64_t n_kv, float scale) {
  const int64_t H = s.n_head, D = s.head_dim;
  const int64_t RQ = s.rank_q == 0 ? H : s.rank_q;
  const float c = scale / float((s.rank_q == 0 ? 1 : s.rank_q) * s.rank_k);
  const int64_t row = s.row_elems();
  const int64_t row_bytes = kv_row_bytes(kv_type, row);
  const auto* kb = static_cast<const uint8_t*>(k_rows);
  const auto* vb = static_cast<const uint8_t*>(v_rows);
  auto factors = [&](int64_t i, const float*& qa, const float*& qb) {
    qa = q + i * s.query_elems();
    qb = s.rank_q == 0 ? qa : qa + H * s.rank_q;
  };

  if (n_q == 1) {  // decode: key blocks in parallel, merged by log-sum-exp
    const int64_t n_blocks = (n_kv + kBlock - 1) / kBlock;
    std::vector<State> states(static_cast<size_t>(n_blocks));
    const float* qa = nullptr;
    const float* qb = nullptr;
    factors(0, qa, qb);
    run(ex, n_blocks, 1, [&](int64_t b0, int64_t b1) {
      std::vector<float> L(size_t(H * kBlock)), p(size_t(RQ * s.rank_k));
      std::vector<float> kf, vf;
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t m0 = b * kBlock, n = std::min(kBlock, n_kv - m0);
        const float* k = reinterpret_cast<const float*>(kb + m0 * row_bytes);
        const float* v = reinterpret_cast<const float*>(vb + m0 * row_bytes);
        if (kv_type != KvType::f32) {
          kf.resize(size_t(n * row));
          vf.resize(size_t(n * row));
          for (int64_t m = 0; m < n; ++m) {
            kv_decode_row(kv_type, kb + (m0 + m) * row_bytes, kf.data() + m * row, row);
            kv_decode_row(kv_type, vb + (m0 + m) * row_bytes, vf.data() + m * row, row);
          }
          k = kf.data();
          v = vf.data();
        }
        State& st = states[size_t(b)];
        st.reset(H, D);
        fold_block(s, qa, qb, k, v, row, n, c, L.data(), p.data(), st);
      }
    });
    State& total = states[0];
    for (size_t b = 1; b < states.size(); ++b) {
      const State& st = states[b];
      for (int64_t h = 0; h < H; ++h) {
        const float mx = std::max(total.mx[size_t(h)], st.mx[size_t(h)]);
        const float ca = std::exp(total.mx[size_t(h)] - mx), cb = std::exp(st.mx[size_t(h)] - mx);
        total.sum[size_t(h)] = total.sum[size_t(h)] * ca + st.sum[size_t(h)] * cb;
        total.mx[size_t(h)] = mx;
        for (int64_t j = 0; j < D; ++j) {
          float& a = total.acc[size_t(h * D + j)];
          a = a * ca + st.acc[size_t(h * D + j)] * cb;
        }
      }
    }
    finish(total, out, H, D, s.rank_v);
    return;
  }

  // prefill: rows decoded to f32 once, one task per query.
  std::vector<float> kf, vf;
  const float* k = reinterpret_cast<const float*>(k_rows);
  const float* v = reinterpret_cast<const float*>(v_rows);
  if (kv_type != KvType::f32) {
    kf.resize(size_t(n_kv * row));
    vf.resize(size_t(n_kv * row));
    run(ex, n_kv, 256, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        kv_decode_row(kv_type, kb + m * row_bytes, kf.data() + m * row, row);
        kv_decode_row(kv_type, vb + m * row_bytes, vf.data() + m * row, row);
      }
    });
    k = kf.data();
    v = vf.data();
  }
  run(ex, n_q, 1, [&](int64_t i0, int64_t i1) {
    std::vector<float> L(size_t(H * kBlock)), p(size_t(RQ * s.rank_k));
    State st;
    for (int64_t i = i0; i < i1; ++i) {
      const float* qa = nullptr;
      const float* qb = nullptr;
      factors(i, qa, qb);
      st.reset(H, D);
      const int64_t n_vis = n_kv - n_q + i + 1;
      for (int64_t m0 = 0; m0 < n_vis; m0 += kBlock) {
        const int64_t n = std::min(kBlock, n_vis - m0);
        fold_block(s, qa, qb, k + m0 * row, v + m0 * row, row, n, c, L.data(), p.data(), st);
      }
      finish(st, out + i * H * D, H, D, s.rank_v);
    }
  });
}

}  // namespace kern::cpu
