// kern::ref tensorized attention: the direct definition of TENSORIZED.md and its dense equivalent.
// Algorithm: per hop j = d..1, per token t and query head h, the fiber F_j(t) restricted to real
// tokens (< n) is listed, its scores computed in double from q and k rotated for that hop by
// kern::ref::rope, and each softmax (own max subtracted) mixes the previous hop's states.
// Parallelization: none. Numerics: states, scores and sums in double; out rounded to float once.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/tensorized.h"

namespace kern::ref {

namespace {

// x [n, heads, head_dim] rotated for hop j: at t (global) or c_j(t) (local).
std::vector<float> rotated(const float* x, int64_t n, int64_t heads, int64_t head_dim,
                           const TensorDims& dims, int64_t j, TensorRope rope_kind,
                           const RopeParams& rope_params) {
  std::vector<float> r(x, x + n * heads * head_dim);
  std::vector<int32_t> pos(static_cast<size_t>(n));
  for (int64_t t = 0; t < n; ++t) {
    pos[size_t(t)] = int32_t(rope_kind == TensorRope::global ? t : dims.coord(t, j));
  }
  rope({}, r.data(), pos.data(), n, heads, head_dim, rope_params);
  return r;
}

// The real tokens of F_j(t) in coordinate order, with their scores against query head h.
struct Fiber {
  std::vector<int64_t> s;
  std::vector<double> score;
};

Fiber fiber_scores(const std::vector<float>& qr, const std::vector<float>& kr, int64_t t, int64_t h,
                   int64_t n, int64_t n_head, int64_t n_head_kv, int64_t head_dim, double scale,
                   const TensorDims& dims, int64_t j) {
  Fiber f;
  const int64_t stride = dims.stride(j);
  const int64_t base = t - dims.coord(t, j) * stride;
  const int64_t g = h / (n_head / n_head_kv);
  const float* qt = qr.data() + (t * n_head + h) * head_dim;
  for (int64_t c = 0; c < dims.n[size_t(j)]; ++c) {
    const int64_t s = base + c * stride;
    if (s >= n) break;  // padding is never read
    const float* ks = kr.data() + (s * n_head_kv + g) * head_dim;
    double acc = 0;
    for (int64_t i = 0; i < head_dim; ++i) acc += double(qt[i]) * double(ks[i]);
    f.s.push_back(s);
    f.score.push_back(acc * scale);
  }
  return f;
}

// Softmax weights over the entries whose `use` is true (others get 0); own max subtracted.
std::vector<double> softmax_over(const std::vector<double>& score, const std::vector<bool>& use) {
  double mx = -INFINITY;
  for (size_t i = 0; i < score.size(); ++i) {
    if (use[i]) mx = std::max(mx, score[i]);
  }
  std::vector<double> w(score.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < score.size(); ++i) {
    if (use[i]) sum += (w[i] = std::exp(score[i] - mx));
  }
  for (double& x : w) x /= sum;
  return w;
}

}  // namespace

void attention_tensorized(const Exec&, float* out, const float* q, const float* k, const float* v,
                          int64_t n, int64_t n_head, int64_t n_head_kv, int64_t head_dim,
                          float scale, const TensorDims& dims, TensorVariant variant,
                          TensorRope rope_kind, const RopeParams& rope_params) {
  const int64_t group = n_head / n_head_kv;
  const size_t row = size_t(head_dim);
  // closed_{j+1} and open_{j+1} per query head [n, n_head, head_dim]; cone keeps X in `open`.
  std::vector<double> closed(size_t(n * n_head) * row), open(closed.size());
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t h = 0; h < n_head; ++h) {
      const float* vs = v + (t * n_head_kv + h / group) * head_dim;
      std::copy(vs, vs + head_dim, open.begin() + (t * n_head + h) * head_dim);
    }
  }
  closed = open;
  for (int64_t j = dims.order() - 1; j >= 0; --j) {
    const auto qr = rotated(q, n, n_head, head_dim, dims, j, rope_kind, rope_params);
    const auto kr = rotated(k, n, n_head_kv, head_dim, dims, j, rope_kind, rope_params);
    std::vector<double> new_closed(closed.size(), 0.0), new_open(open.size(), 0.0);
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t h = 0; h < n_head; ++h) {
        const Fiber f = fiber_scores(qr, kr, t, h, n, n_head, n_head_kv, head_dim, scale, dims, j);
        const size_t m = f.s.size();
        auto at = [&](std::vector<double>& x, int64_t s) {
          return x.begin() + (s * n_head + h) * head_dim;
        };
        std::vector<bool> use(m);
        if (variant == TensorVariant::cone) {
          for (size_t i = 0; i < m; ++i) use[i] = f.s[i] <= t;
          const auto w = softmax_over(f.score, use);
          for (size_t i = 0; i < m; ++i) {
            for (size_t e = 0; e < row; ++e) at(new_open, t)[e] += w[i] * at(open, f.s[i])[e];
          }
          continue;
        }
        if (j > 0) {  // closed_1 is never read
          std::fill(use.begin(), use.end(), true);
          const auto w = softmax_over(f.score, use);
          for (size_t i = 0; i < m; ++i) {
            for (size_t e = 0; e < row; ++e) at(new_closed, t)[e] += w[i] * at(closed, f.s[i])[e];
          }
        }
        for (size_t i = 0; i < m; ++i) use[i] = f.s[i] <= t;
        const auto w = softmax_over(f.score, use);
        for (size_t i = 0; i < m; ++i) {
          if (!use[i]) continue;
          auto& src = f.s[i] == t ? open : closed;  // self carries open, the past carries closed
          for (size_t e = 0; e < row; ++e) at(new_open, t)[e] += w[i] * at(src, f.s[i])[e];
        }
      }
    }
    closed.swap(new_closed);
    open.swap(new_open);
  }
  for (size_t i = 0; i < open.size(); ++i) out[i] = float(open[i]);
}

void dense_tensorized_matrix(double* m, const float* q, const float* k, int64_t n, int64_t n_head,
                             int64_t n_head_kv, int64_t head_dim, float scale,
                             const TensorDims& dims, TensorVariant variant, TensorRope rope_kind,
                             const RopeParams& rope_params) {
  const size_t nn = size_t(n * n);
  std::vector<std::vector<double>> closed_m(static_cast<size_t>(n_head));
  std::vector<std::vector<double>> open_m(static_cast<size_t>(n_head));
  for (int64_t h = 0; h < n_head; ++h) {  // C_{d+1} = O_{d+1} = I
    open_m[size_t(h)].assign(nn, 0.0);
    for (int64_t t = 0; t < n; ++t) open_m[size_t(h)][size_t(t * n + t)] = 1.0;
    closed_m[size_t(h)] = open_m[size_t(h)];
  }
  for (int64_t j = dims.order() - 1; j >= 0; --j) {
    const auto qr = rotated(q, n, n_head, head_dim, dims, j, rope_kind, rope_params);
    const auto kr = rotated(k, n, n_head_kv, head_dim, dims, j, rope_kind, rope_params);
    for (int64_t h = 0; h < n_head; ++h) {
      const auto& C = closed_m[size_t(h)];
      const auto& O = open_m[size_t(h)];
      std::vector<double> new_c(nn, 0.0), new_o(nn, 0.0);
      // Row t of a product (hop matrix) x (state): sum over the row's nonzeros of w * row s.
      auto add_row = [&](std::vector<double>& dst, int64_t t, double w,
                         const std::vector<double>& src, int64_t s) {
        for (int64_t c = 0; c < n; ++c) dst[size_t(t * n + c)] += w * src[size_t(s * n + c)];
      };
      for (int64_t t = 0; t < n; ++t) {
        const Fiber f = fiber_scores(qr, kr, t, h, n, n_head, n_head_kv, head_dim, scale, dims, j);
        std::vector<bool> causal(f.s.size()), all(f.s.size(), true);
        for (size_t i = 0; i < f.s.size(); ++i) causal[i] = f.s[i] <= t;
        const auto a = softmax_over(f.score, causal);  // A_j (cone); Own_j + Past_j (complete)
        if (variant == TensorVariant::cone) {
          for (size_t i = 0; i < f.s.size(); ++i) add_row(new_o, t, a[i], O, f.s[i]);
          continue;
        }
        const auto w = softmax_over(f.score, all);  // W_j
        for (size_t i = 0; i < f.s.size(); ++i) {
          add_row(new_c, t, w[i], C, f.s[i]);
          if (causal[i]) add_row(new_o, t, a[i], f.s[i] == t ? O : C, f.s[i]);
        }
      }
      closed_m[size_t(h)].swap(new_c);
      open_m[size_t(h)].swap(new_o);
    }
  }
  for (int64_t h = 0; h < n_head; ++h) {
    std::copy(open_m[size_t(h)].begin(), open_m[size_t(h)].end(), m + h * int64_t(nn));
  }
}

}  // namespace kern::ref
