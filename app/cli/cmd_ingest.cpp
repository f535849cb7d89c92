// `quire-cli ingest PATH [--json] [--password PW]`: extracts a PDF, EPUB, text, Markdown or HTML
// file, or a code folder, and prints its text with the segment map. Storing the document is the
// store's job; this command shows exactly what Quire reads.
//
// The JSON output is a stable contract (README, "quire-cli ingest --json"):
//   {"kind", "title", "path", "pages" (PDFs only), "segments": [...], "skipped": [...] (folders)}
// Each segment: "text" (its slice of the document text) and, by kind: "page" (1-based) and
// "page_label" (when the PDF labels its pages); "chapter"; or "file", "line_start", "line_end",
// "language". Errors go to stderr with a non-zero exit code (exit_codes.h).
#include <fmt/format.h>
#include <signal.h>

#include <ctime>
#include <memory>
#include <thread>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/documents/code_loader.h"
#include "app/documents/extract.h"

namespace quire::app {
namespace {

struct IngestArgs {
  std::string path;
  std::string password;
  bool json = false;
};

std::string_view segment_text(const Document& doc, const Segment& s) {
  return std::string_view(doc.text).substr(size_t(s.char_begin), size_t(s.char_end - s.char_begin));
}

nlohmann::json to_json(const Document& doc) {
  nlohmann::json out = {{"kind", doc.kind}, {"title", doc.title}, {"path", doc.path}};
  if (doc.kind == "pdf") out["pages"] = doc.pages;
  nlohmann::json segments = nlohmann::json::array();
  for (const Segment& s : doc.segments) {
    nlohmann::json item = {{"text", segment_text(doc, s)}};
    if (s.page) item["page"] = *s.page;
    if (!s.page_label.empty()) item["page_label"] = s.page_label;
    if (!s.chapter.empty()) item["chapter"] = s.chapter;
    if (!s.file.empty()) {
      item["file"] = s.file;
      item["line_start"] = s.line_start;
      item["line_end"] = s.line_end;
      item["language"] = language_for_path(s.file);
    }
    segments.push_back(std::move(item));
  }
  out["segments"] = std::move(segments);
  if (doc.kind == "code") {
    nlohmann::json skipped = nlohmann::json::array();
    for (const Skipped& s : doc.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
    out["skipped"] = std::move(skipped);
  }
  return out;
}

std::string location(const Segment& s) {
  if (s.page) {
    return s.page_label.empty() ? fmt::format("page {}", *s.page)
                                : fmt::format("page {} ({})", *s.page, s.page_label);
  }
  if (!s.file.empty()) return fmt::format("{}:{}-{}", s.file, s.line_start, s.line_end);
  if (!s.chapter.empty()) return s.chapter;
  if (s.line_start > 0) return fmt::format("lines {}-{}", s.line_start, s.line_end);
  return "text";
}

int run_ingest(const IngestArgs& args) {
  ExtractOptions options;
  options.password = args.password;
  std::stop_source stop;
  Result<Document> doc = make_error(Errc::internal, "not run");
  {
    InterruptToStop interrupt(stop);
    doc = extract(args.path, stop.get_token(), options);
  }
  if (!doc) {
    fmt::print(stderr, "quire-cli: {}\n", doc.error().message);
    return exit_code_for(doc.error().code);
  }
  if (args.json) {
    // Invalid UTF-8 cannot reach here (loaders produce UTF-8); replace rather than throw anyway.
    fmt::print("{}\n", to_json(*doc).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("{}: {} ({}, {} segments{})\n", doc->path, doc->title, doc->kind, doc->segments.size(),
             doc->kind == "pdf" ? fmt::format(", {} pages", doc->pages) : std::string());
  for (const Segment& s : doc->segments) {
    fmt::print("\n== {} ==\n{}", location(s), segment_text(*doc, s));
  }
  if (!doc->skipped.empty()) {
    fmt::print("\n== skipped ({}) ==\n", doc->skipped.size());
    for (const Skipped& s : doc->skipped) fmt::print("{}: {}\n", s.path, s.reason);
  }
  return kExitOk;
}

}  // namespace

void add_ingest_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = root.add_subcommand(
      "ingest", "Extract a PDF, EPUB, text, Markdown or HTML file or a code folder and print its "
                "text and segment map");
  cmd->add_option("path", args->path, "The file or folder")->required();
  cmd->add_flag("--json", args->json, "Print one JSON object (README: the ingest JSON contract)");
  cmd->add_option("--password", args->password, "Password of an encrypted PDF");
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_ingest(*args); }; });
}

}  // namespace quire::app
