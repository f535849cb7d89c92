#include "app/store/batch_repo.h"

#include "app/store/database.h"

namespace quire::app {
namespace {

constexpr std::string_view kRunColumns =
    "id, name, question, model_fingerprint, attention_config, status, created_at, finished_at";

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
  return r;
}

}  // namespace

Result<BatchRunRow> BatchRepo::create_run(std::string name, std::string question,
                                          std::string model_fingerprint,
                                          std::string attention_config,
                                          const std::vector<std::string>& paths) {
  BatchRunRow run{0, std::move(name), std::move(question), std::move(model_fingerprint),
                  std::move(attention_config), "running", unix_ms_now(), std::nullopt};
  auto tx = db_.begin();
  if (!tx) return tx.error();
  auto st = db_.prepare(
      "INSERT INTO batch_runs (name, question, model_fingerprint, attention_config, status, "
      "created_at) VALUES (?, ?, ?, ?, 'running', ?)");
  if (!st) return st.error();
  st->bind(1, run.name).bind(2, run.question).bind(3, run.model_fingerprint);
  if (auto ok = st->bind(4, run.attention_config).bind(5, run.created_at).run(); !ok) return ok.error();
  run.id = db_.last_insert_rowid();
  auto item = db_.prepare("INSERT INTO batch_items (run_id, path, status) VALUES (?, ?, 'pending')");
  if (!item) return item.error();
  for (const std::string& path : paths) {
    item->reset();
    if (auto ok = item->bind(1, run.id).bind(2, path).run(); !ok) {
      Error e = ok.error();
      if (e.code == Errc::invalid_argument) {
        e.message = fmt::format("{} is listed twice in the batch; give each file once", path);
      }
      return e;
    }
  }
  if (auto ok = tx->commit(); !ok) return ok.error();
  return run;
}

Result<void> BatchRepo::finish_item(int64_t item_id, std::optional<int64_t> document_id,
                                    std::string_view status, std::string_view answer,
                                    std::string_view error, double prefill_ms, double decode_ms) {
  auto st = db_.prepare(
      "UPDATE batch_items SET document_id = ?, status = ?, answer = ?, error = ?, prefill_ms = ?, "
      "decode_ms = ? WHERE id = ? AND ? IN ('done', 'failed', 'skipped')");
  if (!st) return st.error();
  st->bind(1, document_id).bind(2, status).bind(3, answer).bind(4, error).bind(5, prefill_ms);
  if (auto ok = st->bind(6, decode_ms).bind(7, item_id).bind(8, status).run(); !ok) return ok.error();
  if (db_.changes() == 0) {
    return make_error(Errc::invalid_argument,
                      "cannot finish batch item {} as \"{}\": no such item, or the status is not "
                      "done, failed or skipped", item_id, status);
  }
  return {};
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

Result<std::optional<BatchRunRow>> BatchRepo::find_run(int64_t run_id) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM batch_runs WHERE id = ?", kRunColumns));
  if (!st) return st.error();
  auto row = st->bind(1, run_id).step();
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

Result<std::vector<BatchItemRow>> BatchRepo::items(int64_t run_id) {
  auto st = db_.prepare(
      "SELECT id, run_id, path, document_id, status, answer, error, prefill_ms, decode_ms "
      "FROM batch_items WHERE run_id = ? ORDER BY id");
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
    it.document_id = st->column_optional_int64(3);
    it.status = st->column_text(4);
    it.answer = st->column_text(5);
    it.error = st->column_text(6);
    it.prefill_ms = st->column_double(7);
    it.decode_ms = st->column_double(8);
    out.push_back(std::move(it));
  }
}

Result<void> BatchRepo::remove_run(int64_t run_id) {
  auto st = db_.prepare("DELETE FROM batch_runs WHERE id = ?");
  if (!st) return st.error();
  return st->bind(1, run_id).run();
}

}  // namespace quire::app
