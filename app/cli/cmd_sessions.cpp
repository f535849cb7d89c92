// `quire-cli sessions [--document ID|PATH] [--json]`: the stored sessions, newest first (id,
// document, model fingerprint, attention config, messages, updated time).
// `quire-cli sessions show ID [--json]`: one session's conversation (--json: the session export
// JSON, quire.session_export/1 in export.h).
// `quire-cli sessions delete ID`: removes a session with its messages and span reports.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/analysis/export.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/session_summary.h"
#include "app/store/paths.h"
#include "app/store/user_database.h"

namespace quire::app {
namespace {

using nlohmann::json;

struct SessionsArgs {
  std::string document;  // "" | a document id | a path
  bool json = false;
  int64_t id = 0;        // show / delete
};

std::string local_time(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M}", tm);
}

// A document named by its store id or its path (as stored: absolute).
Result<int64_t> resolve_document(Database& db, const std::string& text) {
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec == std::errc() && end == text.data() + text.size()) return id;
  std::error_code fs_ec;
  const std::filesystem::path absolute = std::filesystem::absolute(text, fs_ec);
  auto row = DocumentRepo(db).find_by_path(fs_ec ? text : absolute.lexically_normal().string());
  if (!row) return row.error();
  if (!*row) {
    return make_error(Errc::not_found,
                      "no stored document has the path {}; `quire-cli docs` lists them", text);
  }
  return (*row)->id;
}

int run_list(Database& db, const SessionsArgs& a) {
  std::optional<int64_t> document;
  if (!a.document.empty()) {
    auto id = resolve_document(db, a.document);
    if (!id) return report_error(id.error());
    document = *id;
  }
  auto list = list_session_summaries(db, document);
  if (!list) return report_error(list.error());
  if (a.json) {
    json out = json::array();
    for (const SessionSummary& s : *list) {
      out.push_back({{"id", s.session.id},
                     {"title", s.session.title},
                     {"document", {{"id", s.session.document_id},
                                   {"title", s.document_title},
                                   {"path", s.document_path}}},
                     {"model_fingerprint", s.session.model_fingerprint},
                     {"attention_config", s.session.attention_config},
                     {"messages", s.messages},
                     {"created_at", s.session.created_at},
                     {"updated_at", s.session.updated_at}});
    }
    fmt::print("{}\n", out.dump(2, ' ', false, json::error_handler_t::replace));
    return kExitOk;
  }
  if (list->empty()) {
    fmt::print(stderr, "no stored sessions{}\n", document ? " for this document" : "");
    return kExitOk;
  }
  fmt::print("{:>6}  {:<16}  {:<12}  {:<20}  {:>8}  {}\n", "ID", "UPDATED", "MODEL", "ATTENTION",
             "MESSAGES", "DOCUMENT / TITLE");
  for (const SessionSummary& s : *list) {
    fmt::print("{:>6}  {:<16}  {:<12}  {:<20}  {:>8}  {} / {}\n", s.session.id,
               local_time(s.session.updated_at), s.session.model_fingerprint.substr(0, 12),
               s.session.attention_config, s.messages, s.document_title, s.session.title);
  }
  return kExitOk;
}

// Whether the stored report of a message says its answer was stopped by the user.
bool stopped(const ExportMessage& m) {
  if (!m.span_report_json) return false;
  const json j = json::parse(*m.span_report_json, nullptr, false);
  return j.is_object() && j.value("stop_reason", "") == "stopped";
}

int run_show(Database& db, const SessionsArgs& a) {
  auto session = load_session_export(db, a.id);
  if (!session) return report_error(session.error());
  if (a.json) {
    auto out = export_session(*session, ExportFormat::json);
    if (!out) return report_error(out.error());
    fmt::print("{}\n", *out);
    return kExitOk;
  }
  fmt::print("Session {}: {}\nDocument: {} ({})\nModel: {}  Attention: {}\n", session->session.id,
             session->session.title, session->document_title, session->document_path,
             session->session.model_fingerprint.substr(0, 12), session->session.attention_config);
  for (const ExportMessage& e : session->messages) {
    const MessageRow& m = e.message;
    fmt::print("\n[{}] {} (message {}, {}):\n{}{}\n", m.ordinal + 1, m.role, m.id,
               local_time(m.created_at), m.text, stopped(e) ? " [stopped]" : "");
    const json citations = json::parse(m.citations_json, nullptr, false);
    if (!citations.is_array()) continue;
    for (const json& c : citations) {
      if (c.is_object()) fmt::print("  cites [{}]\n", c.value("label", std::string("?")));
    }
  }
  return kExitOk;
}

int run_delete(Database& db, const SessionsArgs& a) {
  SessionRepo sessions(db);
  auto row = sessions.find(a.id);
  if (!row) return report_error(row.error());
  if (!*row) {
    return report_error(make_error(
        Errc::not_found, "there is no session {}; `quire-cli sessions` lists them", a.id));
  }
  if (auto ok = sessions.remove(a.id); !ok) return report_error(ok.error());
  fmt::print(stderr, "deleted session {} ({})\n", a.id, (*row)->title);
  return kExitOk;
}

template <typename F>
int with_database(F&& f) {
  auto paths = resolve_paths();
  if (!paths) return report_error(paths.error());
  auto db = open_user_database(*paths);
  if (!db) return report_error(db.error());
  return f(*db);
}

}  // namespace

void add_sessions_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<SessionsArgs>();
  CLI::App* cmd = root.add_subcommand("sessions", "List, show or delete stored sessions");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--document", args->document, "Only the sessions of this document (id or path)");
  cmd->add_flag("--json", args->json, "Print JSON");
  CLI::App* show = cmd->add_subcommand("show", "Print a session's conversation");
  show->add_option("id", args->id, "The session's id")->required();
  show->add_flag("--json", args->json, "Print the session export JSON");
  CLI::App* remove = cmd->add_subcommand("delete", "Delete a session and its messages");
  remove->add_option("id", args->id, "The session's id")->required();

  cmd->parse_complete_callback([&run, args, show, remove] {
    if (show->parsed()) {
      run = [args] { return with_database([&](Database& db) { return run_show(db, *args); }); };
    } else if (remove->parsed()) {
      run = [args] { return with_database([&](Database& db) { return run_delete(db, *args); }); };
    } else {
      run = [args] { return with_database([&](Database& db) { return run_list(db, *args); }); };
    }
  });
}

}  // namespace quire::app
