// kern::ref::attention: the textbook definition. For each (query, head): decode the visible key
// rows, all scores into one vector of length n_kv (O(n_kv) memory, never n_q x n_kv), softmax in
// double with max subtraction, weighted sum of decoded value rows in double.
// Parallelization: none. Numerics: K/V rows decode through kv_codec exactly as the cpu kernel's.
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/kv_codec.h"

namespace kern::ref {

void attention(const Exec&, float* out, const float* q, const void* k, const void* v,
               KvType kv_type, int64_t n_q, int64_t n_kv, int64_t n_head, int64_t n_head_kv,
               int64_t head_dim, float scale) {
  const int64_t n_rep = n_head / n_head_kv;
  const int64_t row_bytes = kv_row_bytes(kv_type, head_dim);
  const auto* kb = static_cast<const unsigned char*>(k);
  const auto* vb = static_cast<const unsigned char*>(v);
  std::vector<double> scores(static_cast<size_t>(n_kv));
  std::vector<double> acc(static_cast<size_t>(head_dim));
  std::vector<float> row(static_cast<size_t>(head_dim));
  for (int64_t i = 0; i < n_q; ++i) {
    const int64_t pos = n_kv - n_q + i;
    for (int64_t h = 0; h < n_head; ++h) {
      const int64_t g = h / n_rep;
      const float* qr = q + (i * n_head + h) * head_dim;
      double max = -INFINITY;
      for (int64_t j = 0; j <= pos; ++j) {
        kv_decode_row(kv_type, kb + (j * n_head_kv + g) * row_bytes, row.data(), head_dim);
        double dot = 0.0;
        for (int64_t d = 0; d < head_dim; ++d) dot += double(qr[d]) * double(row[size_t(d)]);
        scores[size_t(j)] = double(scale) * dot;
        max = std::fmax(max, scores[size_t(j)]);
      }
      double sum = 0.0;
      for (int64_t j = 0; j <= pos; ++j) {
        scores[size_t(j)] = std::exp(scores[size_t(j)] - max);
        sum += scores[size_t(j)];
      }
      for (double& a : acc) a = 0.0;
      for (int64_t j = 0; j <= pos; ++j) {
        kv_decode_row(kv_type, vb + (j * n_head_kv + g) * row_bytes, row.data(), head_dim);
        const double p = scores[size_t(j)] / sum;
        for (int64_t d = 0; d < head_dim; ++d) acc[size_t(d)] += p * double(row[size_t(d)]);
      }
      float* o = out + (i * n_head + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) o[d] = float(acc[size_t(d)]);
    }
  }
}

}  // namespace kern::ref
