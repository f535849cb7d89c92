// kern::ref::tpa_decode_attention: the TPA.md formulas written out literally, in double.
// Algorithm: per query and head, P[m,r,s] and L[h,m] token by token from the decoded factor
// rows, a max-subtracted softmax over m, then the output from A_V and B_V. No threads, no
// shortcuts: the oracle the cpu kernel and the engine's TPA path are tested against.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kv_codec.h"
#include "kernels/tpa.h"

namespace kern::ref {

void tpa_decode_attention(const Exec&, float* out, const float* q, const void* k_rows,
                          const void* v_rows, KvType kv_type, const TpaShape& s, int64_t n_q,
                          int64_t n_kv, float scale) {
  const int64_t H = s.n_head, D = s.head_dim, RK = s.rank_k, RV = s.rank_v;
  const bool kv_only = s.rank_q == 0;
  const int64_t RQ = kv_only ? H : s.rank_q;  // rows of B_Q (KV-only: Q's heads)
  const int64_t row = s.row_elems();
  const int64_t row_bytes = kv_row_bytes(kv_type, row);
  std::vector<float> k(static_cast<size_t>(row)), v(static_cast<size_t>(row));
  std::vector<double> logit;
  for (int64_t i = 0; i < n_q; ++i) {
    const float* qa = q + i * s.query_elems();               // A_Q [H, RQ] (full only)
    const float* qb = kv_only ? qa : qa + H * s.rank_q;      // B_Q [RQ, D]
    const int64_t n_vis = n_kv - n_q + i + 1;
    for (int64_t h = 0; h < H; ++h) {
      logit.assign(static_cast<size_t>(n_vis), 0.0);
      for (int64_t m = 0; m < n_vis; ++m) {
        kv_decode_row(kv_type, static_cast<const uint8_t*>(k_rows) + m * row_bytes, k.data(), row);
        const float* ak = k.data();           // A_K [H, RK]
        const float* bk = k.data() + H * RK;  // B_K [RK, D]
        double l = 0.0;
        for (int64_t r = 0; r < RQ; ++r) {
          const double a_q = kv_only ? (r == h ? 1.0 : 0.0) : double(qa[h * RQ + r]);
          if (a_q == 0.0) continue;
          for (int64_t sk = 0; sk < RK; ++sk) {
            double p = 0.0;  // P[m, r, sk]
            for (int64_t j = 0; j < D; ++j) p += double(qb[r * D + j]) * double(bk[sk * D + j]);
            l += a_q * double(ak[h * RK + sk]) * p;
          }
        }
        logit[size_t(m)] = l * double(scale) / (double(kv_only ? 1 : RQ) * double(RK));
      }
      double mx = logit[0];
      for (double x : logit) mx = std::max(mx, x);
      double sum = 0.0;
      for (double& x : logit) sum += (x = std::exp(x - mx));
      std::vector<double> acc(static_cast<size_t>(D), 0.0);
      for (int64_t m = 0; m < n_vis; ++m) {
        kv_decode_row(kv_type, static_cast<const uint8_t*>(v_rows) + m * row_bytes, v.data(), row);
        const float* av = v.data();           // A_V [H, RV]
        const float* bv = v.data() + H * RV;  // B_V [RV, D]
        const double alpha = logit[size_t(m)] / sum;
        for (int64_t u = 0; u < RV; ++u) {
          const double c = alpha * double(av[h * RV + u]) / double(RV);
          for (int64_t j = 0; j < D; ++j) acc[size_t(j)] += c * double(bv[u * D + j]);
        }
      }
      for (int64_t j = 0; j < D; ++j) out[(i * H + h) * D + j] = float(acc[size_t(j)]);
    }
  }
}

}  // namespace kern::ref
