#include "app/analysis/ask.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>

#include "app/context/segment_ranking.h"
#include "app/store/database.h"
#include "app/store/library.h"
#include "app/store/session_repo.h"
#include "app/store/snapshot_store.h"
#include "app/store/span_report_repo.h"
#include "engine/attention/attention_config.h"
#include "engine/base/log.h"
#include "engine/runtime/attention_recorder.h"
#include "engine/runtime/generate.h"
#include "engine/runtime/snapshot.h"
#include "kernels/kv_codec.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

// The engine writes and reads snapshots as files; the store keeps their bytes as its payload.
// These temp names follow the store's ".tmp-<pid>-" rule, so sweep() deletes them once this
// process is gone, should it die between writing and removing one.
fs::path temp_path(const fs::path& dir, std::string_view what) {
  return dir / fmt::format(".tmp-{}-ask-{}.snp", ::getpid(), what);
}

void remove_quietly(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

void notify(const AskCallbacks& callbacks, const std::string& text) {
  log::debug("ask: {}", text);  // the front end shows on_notice; the log keeps it for -v
  if (callbacks.on_notice) callbacks.on_notice(text);
}

// Restores the prefix from the store. false (with a notice) when there is none or it cannot be
// used; the session is then empty.
bool restore_prefix(SnapshotStore& store, const SnapshotKey& key, engine::Session& session,
                    const std::vector<int32_t>& prefix, const AskCallbacks& callbacks) {
  auto snap = store.read(key);
  if (!snap) {
    if (snap.error().code != Errc::not_found) {
      notify(callbacks, fmt::format("the document's saved state was not usable ({}); "
                                    "prefilling it again",
                                    snap.error().message));
    }
    return false;
  }
  // The store has read and verified the file; the engine loads from those bytes directly.
  const std::vector<std::byte>& bytes = snap->payload;
  auto loaded = engine::load_snapshot(
      session, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      (store.dir() / snap->info.file_name).string());
  if (!loaded || session.tokens() != prefix) {
    notify(callbacks, fmt::format("the saved state of this document does not fit this session "
                                  "({}); prefilling it again",
                                  loaded ? "other tokens" : loaded.error().message));
    session.clear();
    (void)store.remove(snap->info.id);
    return false;
  }
  return true;
}

// Saves the prefilled prefix; a failure only costs the next ask a prefill, so it is a notice.
void save_prefix(SnapshotStore& store, const SnapshotKey& key, const engine::Session& session,
                 std::stop_token stop, const AskCallbacks& callbacks) {
  const fs::path temp = temp_path(store.dir(), "save");
  auto saved = engine::save_snapshot(session, temp);
  if (!saved) {
    notify(callbacks, fmt::format("could not save the document's state for later questions: {}",
                                  saved.error().message));
    return;
  }
  std::error_code ec;
  const auto size = static_cast<int64_t>(fs::file_size(temp, ec));
  std::ifstream in(temp, std::ios::binary);
  std::vector<std::byte> chunk(size_t{1} << 22);
  const ChunkSource next = [&]() -> Result<std::span<const std::byte>> {
    in.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
    if (in.bad()) return make_error(Errc::io_error, "cannot read {}", temp.string());
    return std::span<const std::byte>(chunk.data(), static_cast<size_t>(in.gcount()));
  };
  auto stored = ec ? Result<SnapshotInfo>(make_error(Errc::io_error, "cannot size {}: {}",
                                                     temp.string(), ec.message()))
                   : store.write_stream(key, session.n_tokens(), size, next, stop);
  in.close();
  remove_quietly(temp);
  if (!stored) {
    notify(callbacks, fmt::format("could not store the document's state for later questions: {}",
                                  stored.error().message));
  }
}

Result<void> check_request(const AskRequest& request) {
  if (request.documents.empty()) {
    return make_error(Errc::invalid_argument, "ask needs at least one document");
  }
  if (request.question.empty()) {
    return make_error(Errc::invalid_argument, "the question is empty; say what to ask");
  }
  if (request.max_tokens <= 0 || request.max_citations < 0 || request.attention_top_k <= 0) {
    return make_error(Errc::invalid_argument,
                      "max_tokens ({}) and attention_top_k ({}) must be positive and "
                      "max_citations ({}) not negative",
                      request.max_tokens, request.attention_top_k, request.max_citations);
  }
  return {};
}

// Detaches the recorder however the generation ends.
struct RecorderAttachment {
  engine::Session& session;
  RecorderAttachment(engine::Session& s, engine::AttentionRecorder& r) : session(s) {
    session.set_attention_recorder(&r);
  }
  ~RecorderAttachment() { session.set_attention_recorder(nullptr); }
  RecorderAttachment(const RecorderAttachment&) = delete;
  RecorderAttachment& operator=(const RecorderAttachment&) = delete;
};

}  // namespace

Result<AskResult> ask(Database& db, const fs::path& snapshots_dir, engine::Session& session,
                      const AskRequest& request, std::stop_token stop,
                      const AskCallbacks& callbacks) {
  if (auto ok = check_request(request); !ok) return ok.error();
  std::vector<LibraryEntry> entries;
  entries.reserve(request.documents.size());  // ContextDocument borrows from these
  for (const fs::path& path : request.documents) {
    auto entry = add_to_library(db, path, stop, request.extract, callbacks.progress);
    if (!entry) return entry.error();
    entries.push_back(std::move(*entry));
  }
  std::vector<ContextDocument> documents;
  for (const LibraryEntry& e : entries) documents.push_back({&e.document, e.document_id});

  const engine::Model& model = session.model();
  const engine::SessionConfig& config = session.config();
  ContextRequest context;
  context.documents = documents;
  context.system_prompt = request.system_prompt;
  context.question = request.question;
  auto template_text = model.file().get_string("tokenizer.chat_template");
  context.chat_template = engine::detect_chat_template(template_text ? *template_text : "");
  context.n_ctx = config.n_ctx;
  context.answer_reserve = request.max_tokens;
  context.overflow = request.overflow;
  if (request.overflow == OverflowPolicy::ranked) {
    auto ranking = rank_segments_for_question(db, documents, request.question);
    if (!ranking) return ranking.error();
    context.ranking = std::move(*ranking);
  }
  auto built = build_context(context, model.tokenizer(), stop);
  if (!built) return built.error();
  AskResult result;
  result.overflow = built->notice;
  if (built->notice && callbacks.on_notice) callbacks.on_notice(built->notice->message());
  result.prefix_tokens = static_cast<int64_t>(built->prefix_tokens.size());
  result.suffix_tokens = static_cast<int64_t>(built->suffix_tokens.size());
  result.context_tokens = built->n_tokens();

  const std::string config_text = engine::config_fingerprint(config);
  const SnapshotKey key{model.fingerprint(), config_text, built->prefix_hash,
                        kern::kv_type_name(config.kv_type)};
  auto store = SnapshotStore::open(db, snapshots_dir);
  if (!store) return store.error();

  session.clear();
  const double t_restore = steady_seconds();
  result.restored_from_snapshot =
      restore_prefix(*store, key, session, built->prefix_tokens, callbacks);
  result.restore_s = steady_seconds() - t_restore;
  double t0 = steady_seconds();
  if (!result.restored_from_snapshot) {
    if (auto ok = session.prefill(built->prefix_tokens, stop, callbacks.progress); !ok) {
      return ok.error();
    }
    result.prefill_tokens += result.prefix_tokens;
    result.prefill_s += steady_seconds() - t0;
    // Hybrid mode: the document prefix was tensorized; the question and answer read it
    // exactly, which needs none of the tensorized state, so the snapshot is saved without it.
    session.end_document_prefill();
    save_prefix(*store, key, session, stop, callbacks);
    if (stop.stop_requested()) return cancelled_error("ask");
    t0 = steady_seconds();
  }
  session.end_document_prefill();  // a no-op after a restore of a snapshot saved as above
  if (auto ok = session.prefill(built->suffix_tokens, stop); !ok) return ok.error();
  result.prefill_tokens += result.suffix_tokens;
  result.prefill_s += steady_seconds() - t0;

  engine::AttentionRecorder recorder(request.attention_top_k);
  engine::GenerateRequest generate;
  generate.max_tokens = request.max_tokens;
  const engine::TokenSink sink = [&](int32_t, std::string_view text) {
    result.answer += text;
    if (callbacks.on_text && !text.empty()) callbacks.on_text(text);
    return true;
  };
  Result<engine::GenerateStats> stats = [&] {
    RecorderAttachment attach(session, recorder);
    return engine::generate(session, generate, stop, sink);
  }();
  if (!stats) return stats.error();
  result.answer_tokens = stats->n_generated;
  result.decode_s = stats->decode_s;
  result.stop_reason = std::string(engine::stop_reason_name(stats->reason));

  // The recorder sees exact single-token steps only: every answer token in full and hybrid
  // mode; in tensorized mode the trace stays empty (hop weights are not recorded yet).
  const AttentionTrace trace =
      trace_from_recorder(recorder.steps(), engine::attention_mode_name(config.attention.mode));
  SpanReportInput span_input{&trace, &built->prefix_segments, documents, 5};
  auto report = compute_span_report(span_input);
  if (!report) return report.error();
  result.citations = citations_from_report(*report, documents, request.max_citations);

  SessionRepo sessions(db);
  const std::string title = request.question.substr(0, 80);
  auto row = sessions.create(documents.front().store_id, title, model.fingerprint(), config_text);
  if (!row) return row.error();
  result.session_id = row->id;
  MessageTimings asked;
  asked.prompt_tokens = result.suffix_tokens;
  auto user = sessions.append(row->id, "user", request.question, asked);
  if (!user) return user.error();
  result.user_message_id = user->id;
  MessageTimings answered;
  answered.prompt_tokens = result.prefill_tokens;
  answered.completion_tokens = result.answer_tokens;
  answered.prefill_ms = result.prefill_s * 1000.0;
  answered.decode_ms = result.decode_s * 1000.0;
  auto assistant = sessions.append(row->id, "assistant", result.answer, answered,
                                   citations_to_json(result.citations));
  if (!assistant) return assistant.error();
  result.message_id = assistant->id;
  auto span = SpanReportRepo(db).put(assistant->id, span_report_to_json(*report));
  if (!span) return span.error();
  result.span_report_id = span->id;
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
