#include "app/analysis/ask_steps.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "app/analysis/citations.h"
#include "app/context/segment_ranking.h"
#include "app/store/database.h"
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

Result<void> check_answer_limits(int32_t max_tokens, int max_citations, int attention_top_k) {
  if (max_tokens <= 0 || max_citations < 0 || attention_top_k <= 0) {
    return make_error(Errc::invalid_argument,
                      "max_tokens ({}) and attention_top_k ({}) must be positive and "
                      "max_citations ({}) not negative",
                      max_tokens, attention_top_k, max_citations);
  }
  return {};
}

Result<OpenedDocuments> open_documents(Database& db, const std::vector<fs::path>& paths,
                                       std::stop_token stop, const ExtractOptions& extract,
                                       const ProgressSink& progress) {
  if (paths.empty()) {
    return make_error(Errc::invalid_argument, "name at least one document to read");
  }
  OpenedDocuments out;
  out.entries = std::make_unique<std::vector<LibraryEntry>>();
  out.entries->reserve(paths.size());  // documents point into these
  for (const fs::path& path : paths) {
    auto entry = add_to_library(db, path, stop, extract, progress);
    if (!entry) return entry.error();
    out.entries->push_back(std::move(*entry));
  }
  for (const LibraryEntry& e : *out.entries) out.documents.push_back({&e.document, e.document_id});
  return out;
}

engine::ChatTemplateKind chat_template_of(const engine::Model& model) {
  auto text = model.file().get_string("tokenizer.chat_template");
  return engine::detect_chat_template(text ? *text : "");
}

Result<ContextRequest> make_context_request(Database& db, const engine::Session& session,
                                            const std::vector<ContextDocument>& documents,
                                            const std::string& system_prompt,
                                            const std::string& question, OverflowPolicy overflow,
                                            int32_t max_tokens) {
  ContextRequest context;
  context.documents = documents;
  context.system_prompt = system_prompt;
  context.question = question;
  context.chat_template = chat_template_of(session.model());
  context.n_ctx = session.config().n_ctx;
  context.answer_reserve = max_tokens;
  context.overflow = overflow;
  if (overflow == OverflowPolicy::ranked) {
    auto ranking = rank_segments_for_question(db, documents, question);
    if (!ranking) return ranking.error();
    context.ranking = std::move(*ranking);
  }
  return context;
}

Result<PrefixLoad> load_prefix(Database& db, const fs::path& snapshots_dir,
                               engine::Session& session, const std::vector<int32_t>& prefix,
                               const std::string& prefix_hash, std::stop_token stop,
                               const AskCallbacks& callbacks) {
  const engine::SessionConfig& config = session.config();
  const SnapshotKey key{session.model().fingerprint(), engine::config_fingerprint(config),
                        prefix_hash, std::string(kern::kv_type_name(config.kv_type))};
  auto store = SnapshotStore::open(db, snapshots_dir);
  if (!store) return store.error();

  PrefixLoad out;
  session.clear();
  const double t_restore = steady_seconds();
  out.restored = restore_prefix(*store, key, session, prefix, callbacks);
  out.restore_s = steady_seconds() - t_restore;
  if (out.restored) return out;
  const double t0 = steady_seconds();
  if (auto ok = session.prefill(prefix, stop, callbacks.progress); !ok) return ok.error();
  out.prefilled = static_cast<int64_t>(prefix.size());
  out.prefill_s = steady_seconds() - t0;
  // Hybrid mode: the document prefix was tensorized; what follows reads it exactly and needs
  // none of the tensorized state, so the snapshot is saved without it (callers end the document
  // prefill again after a restore, a no-op then).
  session.end_document_prefill();
  save_prefix(*store, key, session, stop, callbacks);
  if (stop.stop_requested()) return cancelled_error("saving the document's state");
  return out;
}

Result<AnswerRun> answer(engine::Session& session, int32_t max_tokens, int attention_top_k,
                         std::stop_token cancel, std::stop_token finish,
                         const AskCallbacks& callbacks) {
  AnswerRun run;
  engine::AttentionRecorder recorder(attention_top_k);
  engine::GenerateRequest generate;
  generate.max_tokens = max_tokens;
  bool finished_early = false;
  const engine::TokenSink sink = [&](int32_t, std::string_view text) {
    run.text += text;
    if (callbacks.on_text && !text.empty()) callbacks.on_text(text);
    if (finish.stop_requested()) finished_early = true;
    return !finished_early;
  };
  Result<engine::GenerateStats> stats = [&] {
    RecorderAttachment attach(session, recorder);
    return engine::generate(session, generate, cancel, sink);
  }();
  if (!stats) return stats.error();
  run.n_tokens = stats->n_generated;
  run.decode_s = stats->decode_s;
  run.stop_reason = finished_early ? "stopped" : std::string(engine::stop_reason_name(stats->reason));
  // The recorder sees exact single-token steps only: every answer token in full and hybrid
  // mode; in tensorized mode the trace stays empty (hop weights are not recorded yet).
  run.trace = trace_from_recorder(recorder.steps(),
                                  engine::attention_mode_name(session.config().attention.mode));
  return run;
}

Result<void> store_turn(Database& db, const engine::Session& session, const TurnRecord& record,
                        const AnswerRun& run, AskResult& result) {
  SpanReportInput span_input{&run.trace, record.prefix_segments, record.documents, 5};
  auto report = compute_span_report(span_input);
  if (!report) return report.error();
  result.citations = citations_from_report(*report, record.documents, record.max_citations);
  result.answer = run.text;
  result.answer_tokens = run.n_tokens;
  result.decode_s = run.decode_s;
  result.stop_reason = run.stop_reason;

  SessionRepo sessions(db);
  int64_t session_id = record.session_id;
  if (session_id == 0) {
    auto row = sessions.create(record.documents.front().store_id, record.question.substr(0, 80),
                               session.model().fingerprint(),
                               engine::config_fingerprint(session.config()));
    if (!row) return row.error();
    session_id = row->id;
  }
  result.session_id = session_id;
  MessageTimings asked;
  asked.prompt_tokens = record.question_tokens;
  auto user = sessions.append(session_id, "user", record.question, asked);
  if (!user) return user.error();
  result.user_message_id = user->id;
  MessageTimings answered;
  answered.prompt_tokens = record.prefill_tokens;
  answered.completion_tokens = run.n_tokens;
  answered.prefill_ms = record.prefill_s * 1000.0;
  answered.decode_ms = run.decode_s * 1000.0;
  auto assistant = sessions.append(session_id, "assistant", run.text, answered,
                                   citations_to_json(result.citations));
  if (!assistant) return assistant.error();
  result.message_id = assistant->id;
  auto report_json = nlohmann::json::parse(span_report_to_json(*report));
  report_json["stop_reason"] = run.stop_reason;
  auto span = SpanReportRepo(db).put(
      assistant->id,
      report_json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!span) return span.error();
  result.span_report_id = span->id;
  return {};
}

}  // namespace quire::app
