#include "app/store/batch_repo.h"

#include "app/store/database.h"

namespace quire::app {
namespace {

constexpr std::string_view kRunColumns =
    "id, name, question, model_fingerprint, attention_config, status, created_at, finished_at, "
    "folder, questions_hash, options_hash";

BatchRunRow read_run(const Statement& st) {
  BatchRunRow r;
  r.id = st.column_int64(0);
  r.name = st.column_text(1);
  r.question = st.column_text(2);
  r.model_fingerprint = st.column_text(3);
  r.attention_config = st.column_text(4);
  r.status = st.column_text(5);
  r.created_at = st.column_int64(6);
  r.finished_at = st.column_optional_int64(7);
  r.folder = st.column_text(8);
  r.questions_hash = st.column_text(9);
  r.options_hash = st.column_text(10);
  return r;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

}  // namespace

Result<BatchRunRow> BatchRepo::create_run(const NewBatchRun& spec) {
  if (spec.paths.empty() || spec.questions.empty()) {
    return make_error(Errc::invalid_argument,
                      "a batch needs at least one document and one question (got {} and {})",
                      spec.paths.size(), spec.questions.size());
  }
  BatchRunRow run;
  run.name = spec.name;
  run.question = joined(spec.questions);
  run.model_fingerprint = spec.model_fingerprint;
  run.attention_config = spec.attention_config;
  run.status = "running";
  run.created_at = unix_ms_now();
  run.folder = spec.folder;
  run.questions_hash = spec.questions_hash;
  run.options_hash = spec.options_hash;
  auto tx = db_.begin();
  if (!tx) return tx.error();
  auto st = db_.prepare(
      "INSERT INTO batch_runs (name, question, model_fingerprint, attention_config, status, "
      "created_at, folder, questions_hash, options_hash) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, "
      "?)");
  if (!st) return st.error();
  st->bind(1, run.name).bind(2, run.question).bind(3, run.model_fingerprint);
  st->bind(4, run.attention_config).bind(5, run.created_at).bind(6, run.folder);
  if (auto ok = st->bind(7, run.questions_hash).bind(8, run.options_hash).run(); !ok) {
    return ok.error();
  }
  run.id = db_.last_insert_rowid();
  auto question = db_.prepare("INSERT INTO batch_questions (run_id, ordinal, text) VALUES (?, ?, ?)");
  if (!question) return question.error();
  std::vector<int64_t> question_ids;
  for (size_t i = 0; i < spec.questions.size(); ++i) {
    question->reset();
    auto ok = question->bind(1, run.id).bind(2, int64_t(i)).bind(3, spec.questions[i]).run();
    if (!ok) return ok.error();
    question_ids.push_back(db_.last_insert_rowid());
  }
  auto item = db_.prepare(
      "INSERT INTO batch_items (run_id, path, question_id, status) VALUES (?, ?, ?, 'pending')");
  if (!item) return item.error();
  for (const std::string& path : spec.paths) {
    for (int64_t qid : question_ids) {
      item->reset();
      if (auto ok = item->bind(1, run.id).bind(2, path).bind(3, qid).run(); !ok) {
        Error e = ok.error();
        if (e.code == Errc::invalid_argument) {
          e.message = fmt::format("{} is listed twice in the batch; give each file once", path);
        }
        return e;
      }
    }
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  return run;
}

Result<BatchRunRow> BatchRepo::create_run(std::string name, std::string question,
                                          std::string model_fingerprint,
                                          std::string attention_config,
                                          const std::vector<std::string>& paths) {
  NewBatchRun spec;
  spec.name = std::move(name);
  spec.questions = {std::move(question)};
  spec.model_fingerprint = std::move(model_fingerprint);
  spec.attention_config = std::move(attention_config);
  spec.paths = paths;
  return create_run(spec);
}

Result<void> BatchRepo::finish_item(int64_t item_id, const BatchItemOutcome& o) {
  auto st = db_.prepare(
      "UPDATE batch_items SET document_id = ?, status = ?, answer = ?, error = ?, prefill_ms = ?, "
      "decode_ms = ?, context_tokens = ?, prefix_tokens = ?, prefill_tokens = ?, answer_tokens = ?, "
      "message_id = ?, started_at = ?, finished_at = ? WHERE id = ? AND ? IN ('done', 'failed', "
      "'skipped')");
  if (!st) return st.error();
  st->bind(1, o.document_id).bind(2, o.status).bind(3, o.answer).bind(4, o.error);
  st->bind(5, o.prefill_ms).bind(6, o.decode_ms).bind(7, o.context_tokens);
  st->bind(8, o.prefix_tokens).bind(9, o.prefill_tokens).bind(10, o.answer_tokens);
  st->bind(11, o.message_id).bind(12, o.started_at).bind(13, unix_ms_now()).bind(14, item_id);
  st->bind(15, o.status);
  if (auto ok = st->run(); !ok) return ok.error();
  if (db_.changes() == 0) {
    return make_error(Errc::invalid_argument,
                      "cannot finish batch item {} as \"{}\": no such item, or the status is not "
                      "done, failed or skipped", item_id, o.status);
  }
  return {};
}

Result<void> BatchRepo::finish_item(int64_t item_id, std::optional<int64_t> document_id,
                                    std::string_view status, std::string_view answer,
                                    std::string_view error, double prefill_ms, double decode_ms) {
  BatchItemOutcome o;
  o.document_id = document_id;
  o.status = status;
  o.answer = answer;
  o.error = error;
  o.prefill_ms = prefill_ms;
  o.decode_ms = decode_ms;
  return finish_item(item_id, o);
}

Result<void> BatchRepo::finish_run(int64_t run_id, std::string_view status) {
  auto st = db_.prepare(
      "UPDATE batch_runs SET status = ?, finished_at = ? WHERE id = ? AND ? IN ('done', 'failed', "
      "'cancelled')");
  if (!st) return st.error();
  if (auto ok = st->bind(1, status).bind(2, unix_ms_now()).bind(3, run_id).bind(4, status).run();
      !ok) {
    return ok.error();
  }
  if (db_.changes() == 0) {
    return make_error(Errc::invalid_argument,
                      "cannot end batch run {} as \"{}\": no such run, or the status is not done, "
                      "failed or cancelled", run_id, status);
  }
  return {};
}

Result<void> BatchRepo::reopen_run(int64_t run_id) {
  auto st = db_.prepare(
      "UPDATE batch_runs SET status = 'running', finished_at = NULL WHERE id = ? AND status != "
      "'done'");
  if (!st) return st.error();
  if (auto ok = st->bind(1, run_id).run(); !ok) return ok.error();
  if (db_.changes() == 0) {
    return make_error(Errc::invalid_argument,
                      "batch run {} cannot be resumed: there is no such run, or it is already "
                      "done (quire-cli export batch {} shows its results)", run_id, run_id);
  }
  return {};
}

Result<std::optional<BatchRunRow>> BatchRepo::find_run(int64_t run_id) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM batch_runs WHERE id = ?", kRunColumns));
  if (!st) return st.error();
  auto row = st->bind(1, run_id).step();
  if (!row) return row.error();
  if (!*row) return std::optional<BatchRunRow>();
  return std::optional<BatchRunRow>(read_run(*st));
}

Result<std::optional<BatchRunRow>> BatchRepo::find_unfinished(std::string_view folder,
                                                              std::string_view questions_hash,
                                                              std::string_view options_hash,
                                                              std::string_view model_fingerprint,
                                                              std::string_view attention_config) {
  auto st = db_.prepare(fmt::format(
      "SELECT {} FROM batch_runs WHERE folder = ? AND questions_hash = ? AND options_hash = ? AND "
      "model_fingerprint = ? AND attention_config = ? AND status != 'done' "
      "ORDER BY created_at DESC, id DESC LIMIT 1",
      kRunColumns));
  if (!st) return st.error();
  st->bind(1, folder).bind(2, questions_hash).bind(3, options_hash).bind(4, model_fingerprint);
  auto row = st->bind(5, attention_config).step();
  if (!row) return row.error();
  if (!*row) return std::optional<BatchRunRow>();
  return std::optional<BatchRunRow>(read_run(*st));
}

Result<std::vector<BatchRunRow>> BatchRepo::list_runs() {
  auto st = db_.prepare(
      fmt::format("SELECT {} FROM batch_runs ORDER BY created_at DESC, id DESC", kRunColumns));
  if (!st) return st.error();
  std::vector<BatchRunRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_run(*st));
  }
}

Result<std::vector<BatchQuestionRow>> BatchRepo::questions(int64_t run_id) {
  auto st = db_.prepare(
      "SELECT id, run_id, ordinal, text FROM batch_questions WHERE run_id = ? ORDER BY ordinal");
  if (!st) return st.error();
  st->bind(1, run_id);
  std::vector<BatchQuestionRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back({st->column_int64(0), st->column_int64(1), st->column_int64(2),
                   std::string(st->column_text(3))});
  }
}

Result<std::vector<BatchItemRow>> BatchRepo::items(int64_t run_id) {
  auto st = db_.prepare(
      "SELECT i.id, i.run_id, i.path, i.question_id, q.ordinal, q.text, i.document_id, i.status, "
      "i.answer, i.error, i.prefill_ms, i.decode_ms, i.context_tokens, i.prefix_tokens, "
      "i.prefill_tokens, i.answer_tokens, i.message_id, coalesce(m.citations, '[]'), i.started_at, i.finished_at "
      "FROM batch_items i JOIN batch_questions q ON q.id = i.question_id "
      "LEFT JOIN messages m ON m.id = i.message_id WHERE i.run_id = ? ORDER BY i.id");
  if (!st) return st.error();
  st->bind(1, run_id);
  std::vector<BatchItemRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return out;
    BatchItemRow it;
    it.id = st->column_int64(0);
    it.run_id = st->column_int64(1);
    it.path = st->column_text(2);
    it.question_id = st->column_int64(3);
    it.question_ordinal = st->column_int64(4);
    it.question = st->column_text(5);
    it.document_id = st->column_optional_int64(6);
    it.status = st->column_text(7);
    it.answer = st->column_text(8);
    it.error = st->column_text(9);
    it.prefill_ms = st->column_double(10);
    it.decode_ms = st->column_double(11);
    it.context_tokens = st->column_int64(12);
    it.prefix_tokens = st->column_int64(13);
    it.prefill_tokens = st->column_int64(14);
    it.answer_tokens = st->column_int64(15);
    it.message_id = st->column_optional_int64(16);
    it.citations_json = st->column_text(17);
    it.started_at = st->column_optional_int64(18);
    it.finished_at = st->column_optional_int64(19);
    out.push_back(std::move(it));
  }
}

Result<void> BatchRepo::remove_run(int64_t run_id) {
  auto st = db_.prepare("DELETE FROM batch_runs WHERE id = ?");
  if (!st) return st.error();
  return st->bind(1, run_id).run();
}

}  // namespace quire::app
