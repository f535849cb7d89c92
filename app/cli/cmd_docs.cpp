// `quire-cli docs [--json]`: the documents in the store, most recently ingested first.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/store/document_repo.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

int run_docs(bool json) {
  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  auto rows = DocumentRepo(*db).list();
  if (!rows) return report_error(rows.error());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const DocumentRow& r : *rows) {
      out.push_back({{"id", r.id},
                     {"path", r.path},
                     {"kind", r.kind},
                     {"title", r.title},
                     {"content_hash", r.content_hash},
                     {"bytes", r.bytes},
                     {"mtime_ns", r.mtime_ns},
                     {"pages", r.pages},
                     {"segments", r.n_segments},
                     {"ingested_at_ms", r.ingested_at}});
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  if (rows->empty()) {
    fmt::print("No documents yet. Open one in Quire to add it.\n");
    return kExitOk;
  }
  fmt::print("{:>5}  {:<8}  {:>5}  {:>8}  {:>10}  {}\n", "id", "kind", "pages", "segments",
             "bytes", "title (path)");
  for (const DocumentRow& r : *rows) {
    fmt::print("{:>5}  {:<8}  {:>5}  {:>8}  {:>10}  {} ({})\n", r.id, r.kind, r.pages,
               r.n_segments, r.bytes, r.title, r.path);
  }
  return kExitOk;
}

}  // namespace

void add_docs_command(CLI::App& root, CommandRun& run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = root.add_subcommand("docs", "List the documents in Quire's store");
  cmd->add_flag("--json", *json, "Print one JSON array");
  cmd->parse_complete_callback([&run, json] { run = [json] { return run_docs(*json); }; });
}

}  // namespace quire::app
