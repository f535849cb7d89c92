// `quire-cli search QUERY [--limit N] [--json]`: full-text search over every ingested document,
// best matches first, with where each match is (page, chapter or file:line) and a snippet.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/store/segment_search.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

struct SearchArgs {
  std::string query;
  int limit = 20;
  bool json = false;
};

// "p. 12 (xii)", "chapter Two", "src/main.cpp:10-14", or "" when the segment has no location.
std::string location_of(const SearchHit& h) {
  if (!h.file.empty()) {
    if (h.line_start <= 0) return h.file;
    if (h.line_end > h.line_start) return fmt::format("{}:{}-{}", h.file, h.line_start, h.line_end);
    return fmt::format("{}:{}", h.file, h.line_start);
  }
  if (h.page) {
    return h.page_label.empty() || h.page_label == std::to_string(*h.page)
               ? fmt::format("p. {}", *h.page)
               : fmt::format("p. {} ({})", *h.page, h.page_label);
  }
  if (!h.chapter.empty()) return "chapter " + h.chapter;
  return {};
}

int run_search(const SearchArgs& args) {
  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  SearchOptions options;
  options.limit = args.limit;
  if (!args.json && ::isatty(STDOUT_FILENO)) {  // bold matches on a terminal only
    options.mark_begin = "\x1b[1m";
    options.mark_end = "\x1b[0m";
  }
  auto hits = search_segments(*db, args.query, options);
  if (!hits) return report_error(hits.error());
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const SearchHit& h : *hits) {
      nlohmann::json j = {{"document_id", h.document_id}, {"title", h.document_title},
                          {"path", h.document_path},     {"segment", h.segment_ordinal},
                          {"char_begin", h.char_begin},  {"char_end", h.char_end},
                          {"location", location_of(h)},  {"snippet", h.snippet},
                          {"score", h.score}};
      j["page"] = h.page ? nlohmann::json(*h.page) : nlohmann::json(nullptr);
      if (!h.page_label.empty()) j["page_label"] = h.page_label;
      if (!h.chapter.empty()) j["chapter"] = h.chapter;
      if (!h.file.empty()) {
        j["file"] = h.file;
        j["line_start"] = h.line_start;
        j["line_end"] = h.line_end;
      }
      out.push_back(std::move(j));
    }
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  if (hits->empty()) {
    fmt::print("No matches for \"{}\".\n", args.query);
    return kExitOk;
  }
  for (const SearchHit& h : *hits) {
    const std::string where = location_of(h);
    fmt::print("{} [{}]{}{}\n    {}\n", h.document_title, h.document_id, where.empty() ? "" : ", ",
               where, h.snippet);
  }
  return kExitOk;
}

}  // namespace

void add_search_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* cmd = root.add_subcommand(
      "search", "Full-text search over every ingested document (every word must occur)");
  cmd->add_option("query", args->query, "Words to look for")->required();
  cmd->add_option("--limit", args->limit, "At most this many matches")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", args->json, "Print one JSON array");
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_search(*args); }; });
}

}  // namespace quire::app
