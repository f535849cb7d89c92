#include "engine/runtime/perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace quire::engine {

Result<PerplexityResult> perplexity(Session& session, std::span<const int32_t> tokens,
                                    int64_t n_ctx, int32_t bos, std::stop_token stop,
                                    const std::function<void(const PerplexityProgress&)>& on_window) {
  if (n_ctx < 4 || n_ctx > session.config().n_ctx) {
    return make_error(Errc::invalid_argument,
                      "perplexity window {} must be at least 4 and at most the session's "
                      "context {}",
                      n_ctx, session.config().n_ctx);
  }
  const auto n = static_cast<int64_t>(tokens.size());
  if (n < n_ctx) {
    return make_error(Errc::context_overflow,
                      "the text has {} tokens, one window needs {}; use a longer text or a "
                      "smaller --ctx",
                      n, n_ctx);
  }
  const int64_t n_vocab = session.model().config().n_vocab;
  PerplexityResult result;
  result.n_windows = n / n_ctx;
  const int64_t first = n_ctx / 2;
  double nll_sum = 0.0;
  std::vector<int32_t> window(static_cast<size_t>(n_ctx));
  std::vector<float> logits;
  for (int64_t w = 0; w < result.n_windows; ++w) {
    const auto begin = tokens.begin() + w * n_ctx;
    std::copy(begin, begin + n_ctx, window.begin());
    if (bos >= 0) window[0] = bos;
    session.clear();
    const std::span<const int32_t> all(window);
    if (auto done = session.prefill(all.first(size_t(first)), stop); !done) return done.error();
    session.end_document_prefill();
    if (auto done = session.evaluate(all.subspan(size_t(first)), logits, stop); !done) {
      return done.error();
    }
    for (int64_t j = first; j < n_ctx - 1; ++j) {
      const float* row = logits.data() + (j - first) * n_vocab;
      const float max = *std::max_element(row, row + n_vocab);
      double sum = 0.0;
      for (int64_t v = 0; v < n_vocab; ++v) sum += std::exp(double(row[v]) - double(max));
      const int32_t target = begin[j + 1];
      nll_sum += std::log(sum) + double(max) - double(row[target]);
      ++result.n_scored;
    }
    result.ppl = std::exp(nll_sum / double(result.n_scored));
    if (on_window) on_window({w + 1, result.n_windows, result.n_scored, result.ppl});
  }
  session.clear();
  return result;
}

}  // namespace quire::engine
