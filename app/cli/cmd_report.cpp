// `quire-cli report MESSAGE_ID --format html|json|md [-o FILE]`: the attention-span report of one
// answer (analysis/answer_report.h): where in the documents the model looked while writing it.
// Without -o the report goes to standard output; with -o it is written durably (output_file.h).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "app/analysis/answer_report.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/output_file.h"
#include "app/store/database.h"
#include "app/store/paths.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

struct ReportArgs {
  int64_t message_id = 0;
  std::string format = "html";
  std::string output;
};

int run_report(const ReportArgs& a) {
  const auto format = parse_export_format(a.format);
  if (!format) return report_error(format.error());
  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  auto report = load_answer_report(*db, a.message_id);
  if (!report) return report_error(report.error());
  auto text = render_answer_report(*report, *format);
  if (!text) return report_error(text.error());
  if (a.output.empty()) {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return kExitOk;
  }
  if (auto w = write_output_file(a.output, *text); !w) return report_error(w.error());
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = root.add_subcommand(
      "report", "The attention-span report of one answer as HTML, JSON or Markdown");
  cmd->add_option("message", args->message_id,
                  "The answer's message id (`quire-cli sessions show ID` lists them)")
      ->required();
  cmd->add_option("-f,--format", args->format, "html, json or md (markdown)")
      ->check(CLI::IsMember({"html", "json", "md", "markdown"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write to FILE instead of standard output");
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_report(*args); }; });
}

}  // namespace quire::app
