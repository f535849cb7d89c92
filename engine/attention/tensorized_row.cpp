// TensorizedState::attention_row: the hop weights of one token composed into its row of the
// dense equivalent M, at block resolution (see the header for the contract).
// Algorithm, per query head: for hops j = 0..d-1 (coarsest first) the softmax over the causal
// fiber entries b = 0..a_j (a_j = c_j(t)) is recomputed from the stored keys with the scores
// step() uses (kern::cpu::fiber_scores), its softmax in double; entries b < a_j take
// carry * p_b as the mass of their block, entry a_j passes carry * p_{a_j} on to hop j+1, and
// after the finest hop the carry is t's own weight. The span layout depends only on t, so the
// heads' weights are averaged entry by entry.
// Threads: const; runs on the caller's thread with its own scratch.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/attention/tensorized_state.h"
#include "kernels/cpu/tensorized_fiber.h"

namespace quire::engine {

void TensorizedState::attention_row(int64_t t, const float* q, std::vector<HopSpan>& out) const {
  const auto& c = config_;
  const int64_t D = c.head_dim, d = c.dims.order(), group = c.n_head / c.n_head_kv;
  out.clear();
  for (int64_t j = 0; j < d; ++j) {  // the layout: every past entry of every hop, then t
    const int64_t a = c.dims.coord(t, j), stride = c.dims.stride(j);
    for (int64_t b = 0; b < a; ++b) {
      const int64_t s = t - (a - b) * stride;
      const int64_t block = s - s % stride;  // the tokens sharing c_0..c_j with s
      const int64_t end = c.variant == kern::TensorVariant::cone ? s + 1 : block + stride;
      out.push_back({block, end - block, 0.0});
    }
  }
  out.push_back({t, 1, 0.0});

  HopScratch w;
  w.krow.resize(size_t(D));
  w.qrow.resize(size_t(D));
  w.qabs.resize(size_t(D));
  RopeTable abs_rope;
  if (keep_rotated() && c.rope.n_rot > 0) abs_rope = RopeTable(c.rope, t, 1);
  std::vector<double> p;
  for (int64_t h = 0; h < c.n_head; ++h) {
    const int64_t g = h / group;
    const float* qt = q + h * D;
    if (keep_rotated() && c.rope.n_rot > 0) {
      abs_rope.rotate(w.qabs.data(), qt, D, t);
      qt = w.qabs.data();
    }
    double carry = 1.0;
    size_t entry = 0;
    for (int64_t j = 0; j < d; ++j) {
      const int64_t a = c.dims.coord(t, j), stride = c.dims.stride(j), len = a + 1;
      load_keys(w, len, D,
                [&](int64_t b) { return hop_key(t - (a - b) * stride, g, j, w.krow.data()); });
      const float* qh = hop_query(qt, t, j, w.qrow.data());
      const int64_t ld = kern::cpu::fiber_keys_ld(len);
      w.qs.resize(size_t(D));
      for (int64_t e = 0; e < D; ++e) w.qs[size_t(e)] = qh[e] * c.scale;
      w.sc.resize(size_t(ld));
      kern::cpu::fiber_scores(w.sc.data(), ld, w.qs.data(), 1, w.kt.data(), ld, len, D);
      p.assign(w.sc.begin(), w.sc.begin() + len);
      const double max = *std::max_element(p.begin(), p.end());
      double sum = 0;
      for (double& x : p) sum += (x = std::exp(x - max));
      for (int64_t b = 0; b < a; ++b) out[entry++].weight += carry * p[size_t(b)] / sum;
      carry *= p[size_t(a)] / sum;
    }
    out[entry].weight += carry;
  }
  for (HopSpan& span : out) span.weight /= double(c.n_head);
}

}  // namespace quire::engine
