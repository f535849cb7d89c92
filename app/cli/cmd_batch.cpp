// `quire-cli batch --model M FOLDER --questions FILE [--out PATH --format csv|jsonl|md]
// [--resume ID | --new] [--json]`: asks every question of FILE of every document under FOLDER
// through the batch job (app/analysis/batch.h), storing each answer as it comes. A killed or
// interrupted batch resumes when the same command runs again (or with --resume ID).
//
// Output: a progress line on stderr (items done/total, rate, ETA, and the prefill of the document
// in flight) redrawn on a terminal, one line per finished item otherwise; notices (skipped files,
// resume) on stderr. At the end the run's results go to --out in --format (default: from the
// file's extension, else csv), and with --json stdout holds the run as the batch export JSON
// (analysis/export.h) plus a "summary" object. Ctrl-C stops after the item in flight is dropped
// (exit 130), leaving the run resumable.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/analysis/batch.h"
#include "app/analysis/export.h"
#include "app/cli/ask_options.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/cli/output_file.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

struct BatchArgs {
  SessionOptions session;
  std::string folder;
  std::string questions;
  std::string out;
  std::string format;
  int64_t resume = 0;
  bool new_run = false;
  std::string name;
  AnswerOptions answer;
  bool json = false;
};

// The progress line: the batch tracker and the prefill of the item in flight, on one line.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool tty) : tty_(tty) {}

  void batch(const ProgressUpdate& u) {
    batch_ = u;
    draw();
  }
  void document(const ProgressUpdate& u) {
    document_ = u;
    document_active_ = !u.finished;
    draw();
  }
  void item(const BatchItemRow& item, int64_t finished, int64_t total) {
    document_active_ = false;
    if (tty_) std::fputs("\r\033[K", stderr);
    fmt::print(stderr, "[{}/{}] {} {} -- Q{}{}\n", finished, total, item.status, item.path,
               item.question_ordinal + 1, item.status == "failed" ? ": " + item.error : "");
    std::fflush(stderr);
  }
  void end() {
    if (tty_ && drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  void draw() {
    if (!tty_) return;  // a log gets one line per item (item()), not a redrawn bar
    const int width = 24;
    const int filled = static_cast<int>(batch_.fraction() * width);
    std::string line = fmt::format("\r\033[K[{}{}] {}/{} items, {:.2f} items/s, ETA {}",
                                   std::string(size_t(filled), '#'),
                                   std::string(size_t(width - filled), ' '), batch_.done,
                                   batch_.total, batch_.rate_per_s, format_duration(batch_.eta_s));
    if (document_active_) {
      line += fmt::format(" | {} {}/{} {}", document_.stage, document_.done, document_.total,
                          document_.unit);
    }
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
  }

  bool tty_;
  bool drawn_ = false;
  bool document_active_ = false;
  ProgressUpdate batch_;
  ProgressUpdate document_;
};

// --format, else the extension of --out, else csv.
Result<ExportFormat> output_format(const BatchArgs& args) {
  if (!args.format.empty()) return parse_export_format(args.format);
  const std::string ext = fs::path(args.out).extension().string();
  if (ext == ".jsonl" || ext == ".md" || ext == ".json" || ext == ".html") {
    return parse_export_format(ext.substr(1));
  }
  return ExportFormat::csv;
}

int run_batch_command(BatchArgs& args) {
  std::stop_source stop;
  InterruptToStop interrupt(stop);  // before the session starts its worker threads
  if (args.resume == 0 && (args.folder.empty() || args.questions.empty())) {
    return report_error(make_error(Errc::invalid_argument,
                                   "give a FOLDER and --questions FILE, or --resume RUN_ID"));
  }
  auto format = output_format(args);
  if (!format) return report_error(format.error());
  BatchRequest request;
  request.folder = args.folder;
  if (!args.questions.empty()) {
    auto questions = read_questions_file(args.questions);
    if (!questions) return report_error(questions.error());
    request.questions = std::move(*questions);
  }
  if (args.resume != 0) request.resume_run = args.resume;
  request.new_run = args.new_run;
  request.name = args.name;
  if (auto applied = apply_answer_options(args.answer, request.ask); !applied) {
    return report_error(applied.error());
  }

  auto context = open_answer_context(args.session);
  if (!context) return report_error(context.error());

  ProgressPrinter printer(::isatty(STDERR_FILENO) != 0);
  BatchCallbacks callbacks;
  callbacks.progress = [&](const ProgressUpdate& u) { printer.batch(u); };
  callbacks.document_progress = [&](const ProgressUpdate& u) { printer.document(u); };
  callbacks.on_item = [&](const BatchItemRow& item, int64_t finished, int64_t total) {
    printer.item(item, finished, total);
  };
  callbacks.on_notice = [&](std::string_view text) {
    printer.end();
    print_notice(text);
  };
  auto result = run_batch(context->db, context->paths.snapshots_dir(), *context->session, request,
                          stop.get_token(), callbacks);
  printer.end();
  if (!result) return report_error(result.error());
  auto exported = load_batch_export(context->db, result->run.id);
  if (!exported) return report_error(exported.error());
  if (!args.out.empty()) {
    if (auto w = write_output_file(args.out, export_batch(*exported, *format)); !w) {
      return report_error(w.error());
    }
  }
  if (args.json) {
    auto j = nlohmann::json::parse(export_batch(*exported, ExportFormat::json));
    j["summary"] = {{"run", result->run.id},
                    {"resumed", result->resumed},
                    {"total_items", result->total_items},
                    {"done_before", result->done_before},
                    {"answered", result->answered},
                    {"failed", result->failed},
                    {"output", args.out.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.out)}};
    j["summary"]["skipped_files"] = nlohmann::json::array();
    for (const Skipped& s : result->skipped_files) {
      j["summary"]["skipped_files"].push_back({{"path", s.path}, {"reason", s.reason}});
    }
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
  }
  int64_t failed_total = 0;
  for (const BatchItemRow& i : exported->items) failed_total += i.status == "failed" ? 1 : 0;
  fmt::print(stderr,
             "batch run {} done: {} items ({} answered now, {} already done before, {} failed "
             "in all){}{}\n",
             result->run.id, result->total_items, result->answered, result->done_before,
             failed_total, args.out.empty() ? "" : "; results in ", args.out);
  return kExitOk;
}

}  // namespace

void add_batch_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<BatchArgs>();
  CLI::App* cmd = root.add_subcommand(
      "batch",
      "Ask every question of a questions file of every document in a folder (resumable)");
  add_session_options(cmd, args->session, /*with_ctx=*/true);
  cmd->add_option("folder", args->folder,
                  "Folder (searched recursively; every supported file is one document) or file");
  cmd->add_option("--questions", args->questions,
                  "Questions file: one per line; blank lines and #-lines are ignored");
  cmd->add_option("-o,--out", args->out, "Write the results to this file when the run ends");
  cmd->add_option("-f,--format", args->format,
                  "Format of --out: csv, jsonl, md, also json or html (default: from its "
                  "extension, else csv)")
      ->check(CLI::IsMember({"csv", "jsonl", "md", "markdown", "json", "html"}));
  cmd->add_option("--resume", args->resume,
                  "Resume this run (by default the newest unfinished run of the same folder, "
                  "questions, options, model and session settings is resumed)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--new", args->new_run, "Start a new run even if an unfinished one matches")
      ->excludes("--resume");
  cmd->add_option("--name", args->name, "The run's name (default: the folder's name)");
  add_answer_options(cmd, args->answer,
                     {.overflow = "When a document does not fit: error (the item fails), head or "
                                  "ranked",
                      .max_tokens = "Answer tokens at most",
                      .citations = "Citations kept per answer at most",
                      .password = "Password of encrypted PDFs"});
  cmd->add_flag("--json", args->json, "Print the run as JSON (batch export JSON + summary)");
  add_sampling_options(cmd, args->session.config.sampler);
  cmd->parse_complete_callback(
      [&run, args] { run = [args] { return run_batch_command(*args); }; });
}

}  // namespace quire::app
