// TensorizedState::attention_row: the hop weights of one token composed into its row of the
// dense equivalent M, at block resolution (see the header for the contract).
// Algorithm, per query head: for hops j = 0..d-1 (coarsest first) the softmax over the causal
// fiber entries b = 0..a_j (a_j = c_j(t)) is recomputed from the stored keys with the scores
// step() uses (kern::cpu::fiber_scores), its softmax in double; entries b < a_j take
// carry * p_b as the mass of their block, entry a_j passes carry * p_{a_j} on to hop j+1, and
// after the finest hop the carry is t's own weight. The span layout depends only on t, so the
// heads' weights are averaged entry by entry. A hop's keys are gathered once per kv head and
// scored against its group's query heads together.
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

  // Queries as the hops read them before any LOCAL rotation: [n_head, D].
  std::vector<float> qt(q, q + c.n_head * D);
  if (keep_rotated() && c.rope.n_rot > 0) {
    const RopeTable abs_rope(c.rope, t, 1);
    for (int64_t h = 0; h < c.n_head; ++h) abs_rope.rotate(qt.data() + h * D, q + h * D, D, t);
  }
  HopScratch w;
  w.krow.resize(size_t(D));
  w.qrow.resize(size_t(D));
  w.qs.resize(size_t(group * D));
  std::vector<double> carry(static_cast<size_t>(group)), p;
  for (int64_t g = 0; g < c.n_head_kv; ++g) {  // the keys of a hop serve the group's heads
    std::fill(carry.begin(), carry.end(), 1.0);
    size_t entry = 0;
    for (int64_t j = 0; j < d; ++j) {
      const int64_t a = c.dims.coord(t, j), stride = c.dims.stride(j), len = a + 1;
      load_keys(w, len, D,
                [&](int64_t b) { return hop_key(t - (a - b) * stride, g, j, w.krow.data()); });
      for (int64_t r = 0; r < group; ++r) {
        const float* qh = hop_query(qt.data() + (g * group + r) * D, t, j, w.qrow.data());
        for (int64_t e = 0; e < D; ++e) w.qs[size_t(r * D + e)] = qh[e] * c.scale;
      }
      const int64_t ld = kern::cpu::fiber_keys_ld(len);
      w.sc.resize(size_t(group * ld));
      kern::cpu::fiber_scores(w.sc.data(), ld, w.qs.data(), group, w.kt.data(), ld, len, D);
      for (int64_t r = 0; r < group; ++r) {
        p.assign(w.sc.begin() + r * ld, w.sc.begin() + r * ld + len);
        const double max = *std::max_element(p.begin(), p.end());
        double sum = 0;
        for (double& x : p) sum += (x = std::exp(x - max));
        for (int64_t b = 0; b < a; ++b) {
          out[entry + size_t(b)].weight += carry[size_t(r)] * p[size_t(b)] / sum;
        }
        carry[size_t(r)] *= p[size_t(a)] / sum;
      }
      entry += size_t(a);
    }
    for (double c_r : carry) out[entry].weight += c_r;
  }
  for (HopSpan& span : out) span.weight /= double(c.n_head);
}

}  // namespace quire::engine
