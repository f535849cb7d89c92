#include "app/analysis/ask.h"

#include <nlohmann/json.hpp>

#include "app/analysis/ask_steps.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

Result<void> check_request(const AskRequest& request) {
  if (request.documents.empty()) {
    return make_error(Errc::invalid_argument, "ask needs at least one document");
  }
  if (request.question.empty()) {
    return make_error(Errc::invalid_argument, "the question is empty; say what to ask");
  }
  return check_answer_limits(request.max_tokens, request.max_citations, request.attention_top_k);
}

}  // namespace

Result<AskResult> ask(Database& db, const fs::path& snapshots_dir, engine::Session& session,
                      const AskRequest& request, std::stop_token stop,
                      const AskCallbacks& callbacks) {
  if (auto ok = check_request(request); !ok) return ok.error();
  auto opened =
      open_documents(db, request.documents, stop, request.extract, callbacks.progress);
  if (!opened) return opened.error();
  auto context = make_context_request(db, session, opened->documents, request.system_prompt,
                                      request.question, request.overflow, request.max_tokens);
  if (!context) return context.error();
  auto built = build_context(*context, session.model().tokenizer(), stop);
  if (!built) return built.error();
  AskResult result;
  result.overflow = built->notice;
  if (built->notice && callbacks.on_notice) callbacks.on_notice(built->notice->message());
  result.prefix_tokens = static_cast<int64_t>(built->prefix_tokens.size());
  result.suffix_tokens = static_cast<int64_t>(built->suffix_tokens.size());
  result.context_tokens = built->n_tokens();

  auto prefix = load_prefix(db, snapshots_dir, session, built->prefix_tokens, built->prefix_hash,
                            stop, callbacks);
  if (!prefix) return prefix.error();
  result.restored_from_snapshot = prefix->restored;
  result.restore_s = prefix->restore_s;
  result.prefill_tokens = prefix->prefilled;
  result.prefill_s = prefix->prefill_s;
  // Hybrid mode: the document prefix was tensorized; the question and answer read it exactly.
  session.end_document_prefill();
  const double t0 = steady_seconds();
  if (auto ok = session.prefill(built->suffix_tokens, stop); !ok) return ok.error();
  result.prefill_tokens += result.suffix_tokens;
  result.prefill_s += steady_seconds() - t0;

  auto run = answer(session, request.max_tokens, request.attention_top_k, stop, {}, callbacks);
  if (!run) return run.error();
  TurnRecord record;
  record.question = request.question;
  record.question_tokens = result.suffix_tokens;
  record.prefill_tokens = result.prefill_tokens;
  record.prefill_s = result.prefill_s;
  record.max_citations = request.max_citations;
  record.prefix_segments = &built->prefix_segments;
  record.documents = opened->documents;
  if (auto ok = store_turn(db, session, record, *run, result); !ok) return ok.error();
  return result;
}

namespace {

nlohmann::json overflow_json(const OverflowNotice& notice) {
  return {{"policy", overflow_policy_name(notice.policy)},
          {"needed_tokens", notice.needed_tokens},
          {"n_ctx", notice.n_ctx},
          {"answer_reserve", notice.answer_reserve},
          {"used_tokens", notice.used_tokens},
          {"kept_segments", notice.kept_segments},
          {"left_out_segments", notice.left_out.size()},
          {"message", notice.message()}};
}

}  // namespace

std::string ask_result_to_json(const AskResult& result) {
  using nlohmann::json;
  json out = {
      {"answer", result.answer},
      {"citations", json::parse(citations_to_json(result.citations))},
      {"session", result.session_id},
      {"message", result.message_id},
      {"context_tokens", result.context_tokens},
      {"prefix_tokens", result.prefix_tokens},
      {"suffix_tokens", result.suffix_tokens},
      {"prefill_tokens", result.prefill_tokens},
      {"answer_tokens", result.answer_tokens},
      {"restored_from_snapshot", result.restored_from_snapshot},
      {"overflow", result.overflow ? overflow_json(*result.overflow) : json(nullptr)},
      {"stop_reason", result.stop_reason},
      {"timings", {{"restore_s", result.restore_s},
                   {"prefill_s", result.prefill_s},
                   {"decode_s", result.decode_s},
                   {"decode_tokens_per_s",
                    result.decode_s > 0 ? double(result.answer_tokens) / result.decode_s : 0.0}}},
  };
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace quire::app
