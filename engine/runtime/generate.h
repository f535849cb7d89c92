// generate: prefill a prompt into a Session, then sample and append tokens one by one, streaming
// their text (whole UTF-8 characters, through StreamingDecoder) to a sink.
//
// Stops at the first of: an end-of-generation token (Tokenizer::is_eog; it is neither shown nor
// appended, so the session ends with the last shown token), max_tokens shown, the sink returning
// false, a full context, or `stop` (Errc::cancelled). Every shown token has been appended to the
// session, whose logits() are then ready for a continuation.
//
// Thread: runs on the session's thread; the sink is called on it.
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string_view>
#include <vector>

#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/runtime/session.h"

namespace quire::engine {

struct GenerateRequest {
  std::vector<int32_t> prompt;  // appended to the session's tokens; may be empty if it has some
  int32_t max_tokens = 256;     // tokens to generate at most; >= 0
  bool stop_at_eog = true;      // false: end-of-generation tokens are sampled like any other
};

enum class StopReason { eog, max_tokens, sink, context_full };
std::string_view stop_reason_name(StopReason reason);  // "eog", "max_tokens", ...

struct GenerateStats {
  int64_t n_prompt = 0;     // tokens prefilled
  int64_t n_generated = 0;  // tokens sampled and shown (an ending EOG token not counted)
  double prefill_s = 0.0;
  double decode_s = 0.0;    // sampling and the forward passes of generated tokens
  StopReason reason = StopReason::max_tokens;
};

// Receives each generated token and its new text (possibly empty while a character is
// incomplete). At the end it is called once more with token -1 for held-back bytes, if any.
// Returning false stops the generation.
using TokenSink = std::function<bool(int32_t token, std::string_view text)>;

// In hybrid attention the prefill of the prompt ends the document prefill
// (Session::end_document_prefill): the generated tokens use exact attention.
// Errors: invalid_argument for negative max_tokens, an empty prompt on an empty session or bad
// token ids; context_overflow when the prompt does not fit (nothing is prefilled); cancelled
// when `stop` is requested; the forward pass's errors.
Result<GenerateStats> generate(Session& session, const GenerateRequest& request,
                               std::stop_token stop, const TokenSink& sink,
                               const ProgressSink& progress = {});

}  // namespace quire::engine
