// Perplexity of a model over a token sequence, computed the way llama.cpp's `perplexity` tool
// does, so that the numbers are comparable:
//   the tokens are cut into floor(n / n_ctx) non-overlapping windows of n_ctx tokens (a shorter
//   tail is not scored); each window runs on an empty context, its first token replaced by BOS
//   when the vocabulary adds one; only the second half is scored: logits row j (j from n_ctx/2
//   to n_ctx - 2) predicts token j + 1, nll = logsumexp(row) - row[target], in double.
//   PPL = exp(sum nll / count).
// The unscored first half is the window's document: it is prefilled, then the session's document
// prefill ends (Session::end_document_prefill), so that hybrid attention scores the second half
// with exact attention over a tensorized prefill, as it reads a question after a document.
// Thread: runs on the session's thread; on_window is called on it after each window.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <stop_token>

#include "engine/base/result.h"
#include "engine/runtime/session.h"

namespace quire::engine {

struct PerplexityProgress {
  int64_t window = 0;     // 1-based
  int64_t n_windows = 0;
  int64_t n_scored = 0;   // tokens scored so far
  double ppl = 0.0;       // running value over the windows so far
};

struct PerplexityResult {
  double ppl = 0.0;
  int64_t n_scored = 0;
  int64_t n_windows = 0;
};

// `session` is cleared before each window and must have n_ctx >= `n_ctx`. bos: the token that
// replaces each window's first one, or -1 to keep the text's own.
// Errors: invalid_argument for n_ctx < 4 or more than the session's context; context_overflow
// when the tokens do not fill one window (the message says how many are needed); cancelled.
Result<PerplexityResult> perplexity(Session& session, std::span<const int32_t> tokens,
                                    int64_t n_ctx, int32_t bos, std::stop_token stop,
                                    const std::function<void(const PerplexityProgress&)>& on_window);

}  // namespace quire::engine
