#include "app/analysis/chat.h"

#include <fmt/format.h>

#include <utility>

#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_repo.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

std::string strip(std::string_view s) {
  constexpr std::string_view kWs = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(kWs) - b + 1));
}

Result<void> check_request(const ChatRequest& request) {
  return check_answer_limits(request.max_tokens, request.max_citations, request.attention_top_k);
}

// A stored question and its answer; an unanswered question (the process died between the two
// messages) gets an empty answer.
struct StoredTurn {
  std::string question;
  std::string answer;
};

std::vector<StoredTurn> stored_turns(const std::vector<MessageRow>& messages) {
  std::vector<StoredTurn> turns;
  bool open = false;  // the last turn still waits for its answer
  for (const MessageRow& m : messages) {
    if (m.role == "user") {
      turns.push_back({m.text, {}});
      open = true;
    } else if (m.role == "assistant" && open) {
      turns.back().answer = m.text;
      open = false;
    }
  }
  return turns;
}

}  // namespace

ChatSession::ChatSession(Database& db, fs::path snapshots_dir, engine::Session& session,
                         ChatRequest request, OpenedDocuments opened)
    : db_(db),
      snapshots_dir_(std::move(snapshots_dir)),
      session_(session),
      request_(std::move(request)),
      opened_(std::move(opened)) {}

Result<std::unique_ptr<ChatSession>> ChatSession::start(Database& db, fs::path snapshots_dir,
                                                        engine::Session& session,
                                                        ChatRequest request, std::stop_token stop,
                                                        const AskCallbacks& callbacks) {
  if (auto ok = check_request(request); !ok) return ok.error();
  auto opened = open_documents(db, request.documents, stop, request.extract, callbacks.progress);
  if (!opened) return opened.error();
  return std::unique_ptr<ChatSession>(new ChatSession(db, std::move(snapshots_dir), session,
                                                      std::move(request), std::move(*opened)));
}

Result<std::unique_ptr<ChatSession>> ChatSession::resume(Database& db, fs::path snapshots_dir,
                                                         engine::Session& session,
                                                         int64_t session_id, ChatRequest request,
                                                         std::stop_token stop,
                                                         const AskCallbacks& callbacks) {
  if (auto ok = check_request(request); !ok) return ok.error();
  SessionRepo sessions(db);
  auto row = sessions.find(session_id);
  if (!row) return row.error();
  if (!*row) {
    return make_error(Errc::not_found,
                      "there is no session {}; `quire-cli sessions` lists the stored ones",
                      session_id);
  }
  const SessionRow& stored = **row;
  const std::string config_text = engine::config_fingerprint(session.config());
  if (stored.model_fingerprint != session.model().fingerprint()) {
    return make_error(Errc::mismatch,
                      "session {} was held with model {}, not with this model ({}); pass the "
                      "model it used (`quire-cli sessions` shows it) or start a new chat",
                      session_id, stored.model_fingerprint.substr(0, 12),
                      session.model().fingerprint().substr(0, 12));
  }
  if (stored.attention_config != config_text) {
    return make_error(Errc::mismatch,
                      "session {} was held with {}, this one runs {}; pass the same --kv-type "
                      "and attention options, or start a new chat",
                      session_id, stored.attention_config, config_text);
  }
  if (request.documents.empty()) {
    auto doc = DocumentRepo(db).load(stored.document_id);
    if (!doc) {
      return make_error(doc.error().code,
                        "cannot re-open the document of session {}: {}; name it on the "
                        "command line",
                        session_id, doc.error().message);
    }
    request.documents.emplace_back(doc->path);
  }
  auto opened = open_documents(db, request.documents, stop, request.extract, callbacks.progress);
  if (!opened) return opened.error();
  if (opened->documents.front().store_id != stored.document_id) {
    return make_error(Errc::mismatch,
                      "session {} is about document {}, but {} is document {} (a different or "
                      "changed file); name the session's document, or start a new chat",
                      session_id, stored.document_id, request.documents.front().string(),
                      opened->documents.front().store_id);
  }
  auto messages = sessions.messages(session_id);
  if (!messages) return messages.error();

  std::unique_ptr<ChatSession> chat(new ChatSession(db, std::move(snapshots_dir), session,
                                                    std::move(request), std::move(*opened)));
  chat->session_id_ = session_id;
  const std::vector<StoredTurn> turns = stored_turns(*messages);
  if (turns.empty()) return chat;  // a session without messages: the next turn is turn 1

  if (auto ok = chat->load_context(turns.front().question, stop, callbacks); !ok) {
    return ok.error();
  }
  const engine::Tokenizer& tok = session.model().tokenizer();
  std::vector<int32_t> history = chat->built_.suffix_tokens;
  for (size_t i = 0; i < turns.size(); ++i) {
    if (i > 0) {
      const std::vector<int32_t> q = chat->later_turn_tokens(turns[i].question);
      history.insert(history.end(), q.begin(), q.end());
    }
    const std::vector<int32_t> a = tok.encode(turns[i].answer, false, false);
    history.insert(history.end(), a.begin(), a.end());
  }
  const int64_t held = session.n_tokens() + static_cast<int64_t>(history.size());
  if (held + chat->request_.max_tokens > session.config().n_ctx) {
    return make_error(Errc::context_overflow,
                      "session {} holds {} tokens ({} turns); with {} kept for the next answer "
                      "that is more than the context's {}; resume it with a bigger --ctx, or "
                      "start a new chat",
                      session_id, group_thousands(held), turns.size(),
                      group_thousands(chat->request_.max_tokens),
                      group_thousands(session.config().n_ctx));
  }
  const double t0 = steady_seconds();
  if (auto ok = session.prefill(history, stop, callbacks.progress); !ok) return ok.error();
  chat->pending_prefill_s_ += steady_seconds() - t0;
  chat->pending_prefill_tokens_ += static_cast<int64_t>(history.size());
  chat->turns_ = static_cast<int>(turns.size());
  return chat;
}

Result<void> ChatSession::load_context(const std::string& question, std::stop_token stop,
                                       const AskCallbacks& callbacks) {
  auto context = make_context_request(db_, session_, opened_.documents, request_.system_prompt,
                                      question, request_.overflow, request_.max_tokens);
  if (!context) return context.error();
  auto built = build_context(*context, session_.model().tokenizer(), stop);
  if (!built) return built.error();
  built_ = std::move(*built);
  if (built_.notice && callbacks.on_notice) callbacks.on_notice(built_.notice->message());
  auto prefix = load_prefix(db_, snapshots_dir_, session_, built_.prefix_tokens,
                            built_.prefix_hash, stop, callbacks);
  if (!prefix) {
    broken_ = true;
    return prefix.error();
  }
  restored_ = prefix->restored;
  pending_restore_s_ += prefix->restore_s;
  pending_prefill_s_ += prefix->prefill_s;
  pending_prefill_tokens_ += prefix->prefilled;
  // Hybrid mode: the document prefix was tensorized; the conversation reads it exactly.
  session_.end_document_prefill();
  return {};
}

std::vector<int32_t> ChatSession::later_turn_tokens(const std::string& question) const {
  const engine::Tokenizer& tok = session_.model().tokenizer();
  const engine::NextTurnText text = engine::next_user_turn(chat_template_of(session_.model()));
  std::vector<int32_t> out = tok.encode(text.before, false, true);
  const std::vector<int32_t> q = tok.encode(strip(question), false, false);
  const std::vector<int32_t> after = tok.encode(text.after, false, true);
  out.insert(out.end(), q.begin(), q.end());
  out.insert(out.end(), after.begin(), after.end());
  return out;
}

Result<void> ChatSession::check_fits(int64_t new_tokens, int turn) const {
  const int64_t held = session_.n_tokens();
  const int64_t n_ctx = session_.config().n_ctx;
  if (held + new_tokens + request_.max_tokens <= n_ctx) return {};
  return make_error(Errc::context_overflow,
                    "turn {} does not fit: the conversation holds {} tokens, the question needs "
                    "{} more and the answer up to {}, but the context holds {}; start a new chat "
                    "(without --session) or use a bigger --ctx",
                    turn, group_thousands(held), group_thousands(new_tokens),
                    group_thousands(request_.max_tokens), group_thousands(n_ctx));
}

Result<AskResult> ChatSession::turn(const std::string& question_text, std::stop_token stop,
                                    const AskCallbacks& callbacks) {
  const std::string question = strip(question_text);
  if (question.empty()) {
    return make_error(Errc::invalid_argument, "the question is empty; say what to ask");
  }
  if (broken_) {
    return make_error(Errc::invalid_argument,
                      "this chat was cancelled while its context was being prefilled; resume "
                      "session {} with --session to continue it",
                      session_id_);
  }
  const bool first = turns_ == 0;
  if (first) {
    if (auto ok = load_context(question, stop, callbacks); !ok) return ok.error();
  }
  const std::vector<int32_t> tokens = first ? built_.suffix_tokens : later_turn_tokens(question);
  if (auto ok = check_fits(static_cast<int64_t>(tokens.size()), turns_ + 1); !ok) {
    return ok.error();
  }
  AskResult result;
  result.overflow = built_.notice;
  result.prefix_tokens = static_cast<int64_t>(built_.prefix_tokens.size());
  result.suffix_tokens = static_cast<int64_t>(tokens.size());
  result.restored_from_snapshot = restored_;
  result.restore_s = std::exchange(pending_restore_s_, 0.0);
  result.prefill_tokens = std::exchange(pending_prefill_tokens_, 0);
  result.prefill_s = std::exchange(pending_prefill_s_, 0.0);
  const double t0 = steady_seconds();
  if (auto ok = session_.prefill(tokens, stop, callbacks.progress); !ok) {
    broken_ = true;
    return ok.error();
  }
  result.prefill_tokens += result.suffix_tokens;
  result.prefill_s += steady_seconds() - t0;
  result.context_tokens = session_.n_tokens();

  // Ctrl-C from here on ends the answer and keeps the turn.
  auto run = answer(session_, request_.max_tokens, request_.attention_top_k, {}, stop, callbacks);
  if (!run) return run.error();
  TurnRecord record;
  record.session_id = session_id_;
  record.question = question;
  record.question_tokens = result.suffix_tokens;
  record.prefill_tokens = result.prefill_tokens;
  record.prefill_s = result.prefill_s;
  record.max_citations = request_.max_citations;
  record.prefix_segments = &built_.prefix_segments;
  record.documents = opened_.documents;
  if (auto ok = store_turn(db_, session_, record, *run, result); !ok) return ok.error();
  session_id_ = result.session_id;
  ++turns_;
  return result;
}

}  // namespace quire::app
