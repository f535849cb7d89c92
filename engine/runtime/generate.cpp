#include "engine/runtime/generate.h"

#include <string>

#include "engine/tokenizer/streaming_decoder.h"

namespace quire::engine {

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::eog: return "eog";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::sink: return "sink";
    case StopReason::context_full: return "context_full";
  }
  return "unknown";
}

Result<GenerateStats> generate(Session& session, const GenerateRequest& request,
                               std::stop_token stop, const TokenSink& sink,
                               const ProgressSink& progress) {
  if (request.max_tokens < 0) {
    return make_error(Errc::invalid_argument, "max_tokens must not be negative, got {}",
                      request.max_tokens);
  }
  if (request.prompt.empty() && session.n_tokens() == 0) {
    return make_error(Errc::invalid_argument,
                      "nothing to generate from: the prompt is empty and so is the session");
  }
  GenerateStats stats;
  const double t0 = steady_seconds();
  if (!request.prompt.empty()) {
    if (auto done = session.prefill(request.prompt, stop, progress); !done) return done.error();
  }
  // Hybrid: the prompt closes the document prefill; generated tokens run exact.
  session.end_document_prefill();
  stats.n_prompt = static_cast<int64_t>(request.prompt.size());
  const double t1 = steady_seconds();
  stats.prefill_s = t1 - t0;

  const Tokenizer& tokenizer = session.model().tokenizer();
  StreamingDecoder decoder(tokenizer);
  bool keep_going = true;
  while (keep_going) {
    if (stats.n_generated >= request.max_tokens) {
      stats.reason = StopReason::max_tokens;
      break;
    }
    if (session.n_free() <= 0) {
      stats.reason = StopReason::context_full;
      break;
    }
    if (stop.stop_requested()) return cancelled_error("generation");
    auto token = session.sample();
    if (!token) return token.error();
    if (request.stop_at_eog && tokenizer.is_eog(*token)) {
      stats.reason = StopReason::eog;
      break;
    }
    const int32_t id = *token;
    if (auto done = session.prefill(std::span<const int32_t>(&id, 1), stop); !done) {
      return done.error();
    }
    ++stats.n_generated;
    if (!sink(id, decoder.push(id))) {
      stats.reason = StopReason::sink;
      keep_going = false;
    }
  }
  if (const std::string rest = decoder.flush(); !rest.empty()) sink(-1, rest);
  stats.decode_s = steady_seconds() - t1;
  return stats;
}

}  // namespace quire::engine
