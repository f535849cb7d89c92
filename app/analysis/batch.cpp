#include "app/analysis/batch.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/documents/document_files.h"
#include "app/documents/file_bytes.h"
#include "app/documents/text_encoding.h"
#include "app/store/database.h"
#include "app/store/session_repo.h"
#include "app/store/sha256.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxQuestionsFileBytes = int64_t{16} << 20;

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string questions_hash(const std::vector<std::string>& questions) {
  Sha256 h;
  for (const std::string& q : questions) {
    h.update(q);
    h.update(std::string_view("\n", 1));
  }
  return h.hex_digest();
}

// What makes two runs' answers comparable besides the model and the session: the answer options.
std::string options_hash(const AskRequest& ask) {
  const nlohmann::json j = {{"system_prompt", ask.system_prompt},
                            {"overflow", overflow_policy_name(ask.overflow)},
                            {"max_tokens", ask.max_tokens},
                            {"max_citations", ask.max_citations},
                            {"attention_top_k", ask.attention_top_k}};
  return sha256_hex(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Errors that are not one document's: the batch cannot go on, or must not (cancellation).
bool ends_the_batch(Errc code) {
  return code == Errc::cancelled || code == Errc::no_space || code == Errc::out_of_memory ||
         code == Errc::internal;
}

Error about_run(Error e, const BatchRunRow& run, std::string_view advice) {
  e.message = fmt::format("batch run {}: {}; {}", run.id, e.message, advice);
  return e;
}

struct Identity {
  std::string folder;
  std::string questions_hash;
  std::string options_hash;
  std::string model_fingerprint;
  std::string attention_config;
};

// An explicitly named run must be the same job, or its answers would mix two jobs.
Result<void> check_same_job(const BatchRunRow& run, const Identity& id, bool have_folder,
                            bool have_questions) {
  const auto differs = [&](std::string_view what, std::string_view advice) {
    return make_error(Errc::mismatch, "batch run {} was made with another {}; {}", run.id, what,
                      advice);
  };
  if (run.model_fingerprint != id.model_fingerprint) {
    return differs("model", "resume it with the model it was started with");
  }
  if (run.attention_config != id.attention_config) {
    return differs(fmt::format("session configuration ({} instead of {})", run.attention_config,
                               id.attention_config),
                   "resume it with the same --ctx, --kv-type and attention options");
  }
  if (run.options_hash != id.options_hash) {
    return differs("system prompt, answer length, overflow policy or citation count",
                   "resume it with the same options");
  }
  if (have_folder && run.folder != id.folder) {
    return differs(fmt::format("folder ({})", run.folder), "leave the folder out to resume it");
  }
  if (have_questions && run.questions_hash != id.questions_hash) {
    return differs("questions file", "leave --questions out to resume it");
  }
  return {};
}

// Creates the run, or finds the one to resume. Sets result.resumed and skipped_files.
Result<BatchRunRow> open_run(BatchRepo& repo, const BatchRequest& request, const Identity& id,
                             std::stop_token stop, const BatchCallbacks& callbacks,
                             BatchResult& result) {
  const auto notice = [&](const std::string& text) {
    if (callbacks.on_notice) callbacks.on_notice(text);
  };
  std::optional<BatchRunRow> existing;
  if (request.resume_run) {
    auto found = repo.find_run(*request.resume_run);
    if (!found) return found.error();
    if (!*found) {
      return make_error(Errc::invalid_argument,
                        "there is no batch run {}; check the id (quire-cli export batch ID "
                        "shows a run)", *request.resume_run);
    }
    if (auto same = check_same_job(**found, id, !request.folder.empty(),
                                   !request.questions.empty()); !same) {
      return same.error();
    }
    existing = std::move(*found);
  } else if (!request.new_run) {
    auto found = repo.find_unfinished(id.folder, id.questions_hash, id.options_hash,
                                      id.model_fingerprint, id.attention_config);
    if (!found) return found.error();
    existing = std::move(*found);
  }
  if (existing) {
    if (auto ok = repo.reopen_run(existing->id); !ok) return ok.error();
    notice(fmt::format("resuming batch run {} (it was left {}); add --new to start afresh",
                       existing->id, existing->status));
    result.resumed = true;
    existing->status = "running";
    existing->finished_at.reset();
    return *existing;
  }
  if (request.questions.empty()) {
    return make_error(Errc::invalid_argument, "a batch needs at least one question");
  }
  auto files = list_document_files(request.folder, stop, request.ask.extract);
  if (!files) return files.error();
  for (const Skipped& s : files->skipped) notice(fmt::format("skipped {}: {}", s.path, s.reason));
  result.skipped_files = std::move(files->skipped);
  if (files->files.empty()) {
    return make_error(Errc::invalid_argument,
                      "{} holds no documents to ask (everything was skipped: see the notes "
                      "above); choose another folder", request.folder.string());
  }
  NewBatchRun spec;
  spec.name = request.name.empty() ? fs::path(id.folder).filename().string() : request.name;
  spec.folder = id.folder;
  spec.questions = request.questions;
  spec.questions_hash = id.questions_hash;
  spec.options_hash = id.options_hash;
  spec.model_fingerprint = id.model_fingerprint;
  spec.attention_config = id.attention_config;
  for (const fs::path& f : files->files) spec.paths.push_back(f.string());
  return repo.create_run(spec);
}

BatchItemOutcome outcome_of(Database& db, const AskResult& r, int64_t started_at) {
  BatchItemOutcome o;
  o.status = "done";
  o.answer = r.answer;
  o.prefill_ms = r.prefill_s * 1000.0;
  o.decode_ms = r.decode_s * 1000.0;
  o.context_tokens = r.context_tokens;
  o.prefix_tokens = r.prefix_tokens;
  o.prefill_tokens = r.prefill_tokens;
  o.answer_tokens = r.answer_tokens;
  o.message_id = r.message_id;
  o.started_at = started_at;
  // The session knows which library document was asked; an unreadable row only loses the link.
  if (auto s = SessionRepo(db).find(r.session_id); s && *s) o.document_id = (*s)->document_id;
  return o;
}

}  // namespace

Result<std::vector<std::string>> parse_questions(std::string_view text) {
  if (!is_valid_utf8(text)) {
    return make_error(Errc::invalid_argument,
                      "the questions are not UTF-8 text; save the file as UTF-8");
  }
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    out.emplace_back(line);
  }
  if (out.empty()) {
    return make_error(Errc::invalid_argument,
                      "no questions: write one question per line (blank lines and lines "
                      "starting with # are ignored)");
  }
  return out;
}

Result<std::vector<std::string>> read_questions_file(const fs::path& path) {
  auto bytes = read_file_bytes(path, kMaxQuestionsFileBytes);
  if (!bytes) return bytes.error();
  auto questions = parse_questions(*bytes);
  if (!questions) {
    Error e = questions.error();
    e.message = fmt::format("{}: {}", path.string(), e.message);
    return e;
  }
  return questions;
}

Result<BatchResult> run_batch(Database& db, const fs::path& snapshots_dir,
                              engine::Session& session, const BatchRequest& request,
                              std::stop_token stop, const BatchCallbacks& callbacks) {
  if (!request.resume_run && (request.folder.empty() || request.questions.empty())) {
    return make_error(Errc::invalid_argument,
                      "a batch needs a folder and at least one question, or a run to resume");
  }
  Identity id;
  if (!request.folder.empty()) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(request.folder, ec);
    if (ec) {
      return make_error(Errc::not_found, "{}: no such file or folder ({}); check the path",
                        request.folder.string(), ec.message());
    }
    id.folder = canonical.string();
  }
  id.questions_hash = questions_hash(request.questions);
  id.options_hash = options_hash(request.ask);
  id.model_fingerprint = session.model().fingerprint();
  id.attention_config = engine::config_fingerprint(session.config());

  BatchRepo repo(db);
  BatchResult result;
  auto run = open_run(repo, request, id, stop, callbacks, result);
  if (!run) return run.error();
  result.run = std::move(*run);
  auto items = repo.items(result.run.id);
  if (!items) return items.error();
  result.total_items = int64_t(items->size());
  std::vector<BatchItemRow> pending;
  for (BatchItemRow& item : *items) {
    if (item.status == "pending") pending.push_back(std::move(item));
  }
  result.done_before = result.total_items - int64_t(pending.size());

  const auto stop_run = [&](Error e, std::string_view status) -> Error {
    if (auto ok = repo.finish_run(result.run.id, status); !ok) {
      return about_run(ok.error(), result.run, "it stays resumable");
    }
    return about_run(std::move(e), result.run,
                     fmt::format("{} of {} items have an outcome; run the same command again, or "
                                 "add --resume {}, to finish it",
                                 result.done_before + result.answered + result.failed,
                                 result.total_items, result.run.id));
  };

  AskCallbacks ask_callbacks;
  ask_callbacks.progress = callbacks.document_progress;
  ask_callbacks.on_notice = callbacks.on_notice;
  ProgressTracker tracker("batch", "items", int64_t(pending.size()), callbacks.progress);
  for (BatchItemRow& item : pending) {
    if (stop.stop_requested()) return stop_run(cancelled_error("the batch"), "cancelled");
    AskRequest one = request.ask;
    one.documents = {fs::path(item.path)};
    one.question = item.question;
    const int64_t started_at = unix_ms_now();
    auto answered = ask(db, snapshots_dir, session, one, stop, ask_callbacks);
    BatchItemOutcome outcome;
    if (answered) {
      outcome = outcome_of(db, *answered, started_at);
      item.citations_json = citations_to_json(answered->citations);
    } else if (ends_the_batch(answered.error().code)) {
      const bool cancelled = answered.error().code == Errc::cancelled;
      return stop_run(answered.error(), cancelled ? "cancelled" : "failed");
    } else {
      outcome.status = "failed";
      outcome.error = answered.error().message;
      outcome.started_at = started_at;
    }
    if (auto ok = repo.finish_item(item.id, outcome); !ok) return stop_run(ok.error(), "failed");
    (outcome.status == "done" ? result.answered : result.failed) += 1;
    item.status = outcome.status;
    item.answer = std::move(outcome.answer);
    item.error = std::move(outcome.error);
    item.document_id = outcome.document_id;
    item.context_tokens = outcome.context_tokens;
    item.prefix_tokens = outcome.prefix_tokens;
    item.prefill_tokens = outcome.prefill_tokens;
    item.answer_tokens = outcome.answer_tokens;
    item.message_id = outcome.message_id;
    item.prefill_ms = outcome.prefill_ms;
    item.decode_ms = outcome.decode_ms;
    item.started_at = started_at;
    tracker.advance();
    if (callbacks.on_item) {
      callbacks.on_item(item, result.done_before + result.answered + result.failed,
                        result.total_items);
    }
  }
  tracker.finish();
  if (auto ok = repo.finish_run(result.run.id, "done"); !ok) {
    return about_run(ok.error(), result.run, "its items are all stored; export it by its id");
  }
  auto ended = repo.find_run(result.run.id);
  if (!ended) return ended.error();
  if (*ended) result.run = std::move(**ended);
  return result;
}

}  // namespace quire::app
