// `quire-cli export session|batch ID [--format markdown|html|json|jsonl|csv] [-o FILE]`: a stored
// session (with citations and attention-span reports) or batch run as a file (analysis/export.h).
// `export SESSION_ID ...` is short for `export session SESSION_ID ...`.
// Without -o the export goes to standard output.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "app/analysis/export.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/output_file.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

struct ExportOptions {
  std::string what;  // session | batch | a session id
  std::optional<int64_t> id;
  std::string format = "markdown";
  std::string output;
};

int run_export(const ExportOptions& o) {
  const bool has_kind = o.what == "session" || o.what == "batch";
  if (has_kind && !o.id) {
    return report_error(make_error(Errc::invalid_argument, "export {} needs the id to export",
                                   o.what));
  }
  int64_t id = o.id.value_or(0);
  if (!has_kind) {  // `export 12`: the what is the session's id
    const auto [end, ec] = std::from_chars(o.what.data(), o.what.data() + o.what.size(), id);
    if (ec != std::errc() || end != o.what.data() + o.what.size() || o.id) {
      return report_error(make_error(Errc::invalid_argument,
                                     "export takes SESSION_ID alone, or session|batch ID; got "
                                     "'{}'{}",
                                     o.what, o.id ? " and an id" : ""));
    }
  }
  const auto format = parse_export_format(o.format);
  if (!format) return report_error(format.error());
  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  std::string text;
  if (o.what != "batch") {
    auto session = load_session_export(*db, id);
    if (!session) return report_error(session.error());
    auto out = export_session(*session, *format);
    if (!out) return report_error(out.error());
    text = std::move(*out);
  } else {
    auto batch = load_batch_export(*db, id);
    if (!batch) return report_error(batch.error());
    text = export_batch(*batch, *format);
  }
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  if (auto w = write_output_file(o.output, text); !w) return report_error(w.error());
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& root, CommandRun& run) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = root.add_subcommand(
      "export", "Export a session or a batch run as Markdown, HTML, JSON, JSON Lines or CSV");
  cmd->add_option("what", opts->what, "session or batch, or a session's id")->required();
  cmd->add_option("id", opts->id, "The session's or batch run's id");
  cmd->add_option("-f,--format", opts->format, "markdown (md), html, json, jsonl or csv")
      ->check(CLI::IsMember({"markdown", "md", "html", "json", "jsonl", "csv"}));
  cmd->add_option("-o,--output", opts->output, "Write to FILE instead of standard output");
  cmd->parse_complete_callback([&run, opts] { run = [opts] { return run_export(*opts); }; });
}

}  // namespace quire::app
