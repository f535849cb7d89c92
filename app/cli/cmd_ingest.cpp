// `quire-cli ingest PATH [--json] [--password PW] [--no-store]`: extracts a PDF, EPUB, text,
// Markdown or HTML file, or a code folder, adds it to the library (the SQLite store; an unchanged
// file is not extracted again) and prints its text with the segment map, exactly what Quire reads.
//
// The JSON output is a stable contract (README, "quire-cli ingest --json"):
//   {"kind", "title", "path", "pages" (PDFs only), "segments": [...], "skipped": [...] (folders),
//    "document_id" and "stored": "added" | "unchanged" | "replaced" (unless --no-store)}
// Each segment: "text" (its slice of the document text) and, by kind: "page" (1-based) and
// "page_label" (when the PDF labels its pages); "chapter"; or "file", "line_start", "line_end",
// "language". Errors go to stderr with a non-zero exit code (exit_codes.h).
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/documents/code_loader.h"
#include "app/documents/extract.h"
#include "app/store/database.h"
#include "app/store/library.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

struct IngestArgs {
  std::string path;
  std::string password;
  bool json = false;
  bool no_store = false;
};

std::string_view outcome_name(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::added: return "added";
    case IngestOutcome::unchanged: return "unchanged";
    case IngestOutcome::replaced: return "replaced";
  }
  return "added";
}

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

// Extracts (--no-store) or adds to the library; nullopt document_id when not stored.
struct Ingested {
  Document doc;
  std::optional<int64_t> document_id;
  IngestOutcome outcome = IngestOutcome::added;
};

Result<Ingested> ingest(const IngestArgs& args, std::stop_token stop) {
  ExtractOptions options;
  options.password = args.password;
  if (args.no_store) {
    auto doc = extract(args.path, stop, options);
    if (!doc) return doc.error();
    return Ingested{std::move(*doc), std::nullopt};
  }
  auto paths = resolve_paths();
  if (!paths) return paths.error();
  auto db = open_user_database(*paths);
  if (!db) return db.error();
  auto entry = add_to_library(*db, args.path, stop, options);
  if (!entry) return entry.error();
  return Ingested{std::move(entry->document), entry->document_id, entry->outcome};
}

int run_ingest(const IngestArgs& args) {
  std::stop_source stop;
  // Ctrl-C at any moment of the command (not only during extraction) becomes a clean stop.
  InterruptToStop interrupt(stop);
  Result<Ingested> ingested = ingest(args, stop.get_token());
  if (ingested && stop.stop_requested()) ingested = cancelled_error("ingest");
  if (!ingested) return report_error(ingested.error());
  const Document* doc = &ingested->doc;
  if (args.json) {
    // Invalid UTF-8 cannot reach here (loaders produce UTF-8); replace rather than throw anyway.
    nlohmann::json out = to_json(*doc);
    if (ingested->document_id) {
      out["document_id"] = *ingested->document_id;
      out["stored"] = outcome_name(ingested->outcome);
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("{}: {} ({}, {} segments{})\n", doc->path, doc->title, doc->kind, doc->segments.size(),
             doc->kind == "pdf" ? fmt::format(", {} pages", doc->pages) : std::string());
  for (const Segment& s : doc->segments) {
    fmt::print("\n== {} ==\n{}", location(s), segment_text(*doc, s));
  }
  if (ingested->document_id) {
    fmt::print(stderr, "quire-cli: document {} in the library ({})\n", *ingested->document_id,
               outcome_name(ingested->outcome));
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
      "ingest", "Add a PDF, EPUB, text, Markdown or HTML file or a code folder to the library and "
                "print its text and segment map");
  cmd->add_option("path", args->path, "The file or folder")->required();
  cmd->add_flag("--json", args->json, "Print one JSON object (README: the ingest JSON contract)");
  cmd->add_option("--password", args->password, "Password of an encrypted PDF");
  cmd->add_flag("--no-store", args->no_store, "Only extract and print; do not add to the library");
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_ingest(*args); }; });
}

}  // namespace quire::app
