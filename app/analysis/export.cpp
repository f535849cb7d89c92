#include "app/analysis/export.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/analysis/report_style.h"
#include "app/analysis/span_report.h"
#include "app/analysis/span_svg.h"
#include "app/store/document_repo.h"
#include "app/store/span_report_repo.h"

namespace quire::app {
namespace {

using nlohmann::json;
using Reports = std::vector<std::optional<SpanReport>>;  // one per message

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }
std::string line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json session_json(const SessionExport& s) {
  return {{"id", s.session.id},
          {"title", s.session.title},
          {"model_fingerprint", s.session.model_fingerprint},
          {"attention_config", s.session.attention_config},
          {"created_at", s.session.created_at},
          {"updated_at", s.session.updated_at}};
}

// Stored citations are valid JSON (the store checks); anything else is kept as text.
json citations_of(const MessageRow& m) {
  auto j = json::parse(m.citations_json, nullptr, false);
  return j.is_discarded() ? json(m.citations_json) : j;
}

json message_json(const ExportMessage& e) {
  const MessageRow& m = e.message;
  return {{"ordinal", m.ordinal}, {"role", m.role}, {"text", m.text},
          {"prompt_tokens", m.timings.prompt_tokens},
          {"completion_tokens", m.timings.completion_tokens},
          {"prefill_ms", m.timings.prefill_ms}, {"decode_ms", m.timings.decode_ms},
          {"citations", citations_of(m)}, {"created_at", m.created_at},
          {"span_report", e.span_report_json ? json::parse(*e.span_report_json, nullptr, false)
                                             : json(nullptr)}};
}

Result<std::optional<SpanReport>> report_of(const ExportMessage& m) {
  if (!m.span_report_json) return std::optional<SpanReport>{};
  auto r = span_report_from_json(*m.span_report_json);
  if (!r) {
    return make_error(r.error().code, "message {}: {}", m.message.ordinal + 1, r.error().message);
  }
  return std::optional<SpanReport>(std::move(*r));
}

std::string session_markdown(const SessionExport& s, const Reports& reports) {
  std::string md = fmt::format("# {}\n\nDocument: {} ({})  \nModel: {}  \nAttention: {}\n\n",
                               s.session.title.empty() ? s.document_title : s.session.title,
                               s.document_title, s.document_path, s.session.model_fingerprint,
                               s.session.attention_config);
  for (size_t i = 0; i < s.messages.size(); ++i) {
    const MessageRow& m = s.messages[i].message;
    if (m.role == "user") {
      md += fmt::format("## Question\n\n{}\n\n", m.text);
    } else {
      md += fmt::format("**{}:**\n\n{}\n\n", m.role == "assistant" ? "Answer" : "System", m.text);
    }
    if (m.citations_json != "[]") md += fmt::format("Citations: `{}`\n\n", m.citations_json);
    if (reports[i]) md += span_report_to_markdown(*reports[i]) + "\n";
  }
  return md;
}

std::string session_html(const SessionExport& s, const Reports& reports) {
  const std::string title = s.session.title.empty() ? s.document_title : s.session.title;
  std::string h = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>"
      "<style>{}</style></head><body>\n<h1>{}</h1>\n<p class=\"meta\">Document: {} ({})<br>"
      "Model: {}<br>Attention: {}</p>\n",
      xml_escape(title), kReportStyle, xml_escape(title), xml_escape(s.document_title),
      xml_escape(s.document_path), xml_escape(s.session.model_fingerprint),
      xml_escape(s.session.attention_config));
  for (size_t i = 0; i < s.messages.size(); ++i) {
    const MessageRow& m = s.messages[i].message;
    h += fmt::format("<div class=\"msg {}\">{}</div>\n", xml_escape(m.role), xml_escape(m.text));
    if (m.citations_json != "[]") {
      h += fmt::format("<p class=\"meta\">Citations: <code>{}</code></p>\n",
                       xml_escape(m.citations_json));
    }
    if (reports[i]) {
      h += span_report_html_section(*reports[i], s.document_kind == "pdf" ? s.document_pages : 0);
    }
  }
  return h + "</body></html>\n";
}

std::string session_csv(const SessionExport& s, const Reports& reports) {
  std::string out =
      "ordinal,role,text,prompt_tokens,completion_tokens,prefill_ms,decode_ms,citations,"
      "span_p50,span_p90\r\n";
  for (size_t i = 0; i < s.messages.size(); ++i) {
    const MessageRow& m = s.messages[i].message;
    const auto num = [](auto v) { return csv_field(fmt::format("{}", v)); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\r\n", num(m.ordinal), csv_field(m.role),
                       csv_field(m.text), num(m.timings.prompt_tokens),
                       num(m.timings.completion_tokens), num(m.timings.prefill_ms),
                       num(m.timings.decode_ms), csv_field(m.citations_json),
                       reports[i] ? num(reports[i]->span_p50) : csv_field(""),
                       reports[i] ? num(reports[i]->span_p90) : csv_field(""));
  }
  return out;
}

json run_json(const BatchRunRow& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"question", r.question},
          {"model_fingerprint", r.model_fingerprint},
          {"attention_config", r.attention_config},
          {"status", r.status},
          {"created_at", r.created_at},
          {"finished_at", r.finished_at ? json(*r.finished_at) : json(nullptr)},
          {"folder", r.folder}};
}

json optional_json(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

json item_json(const BatchItemRow& i) {
  auto citations = json::parse(i.citations_json, nullptr, false);
  return {{"path", i.path},
          {"question", i.question},
          {"question_index", i.question_ordinal},
          {"status", i.status},
          {"answer", i.answer},
          {"citations", citations.is_discarded() ? json(i.citations_json) : citations},
          {"error", i.error},
          {"document_id", optional_json(i.document_id)},
          {"message_id", optional_json(i.message_id)},
          {"context_tokens", i.context_tokens},
          {"prefix_tokens", i.prefix_tokens},
          {"prefill_tokens", i.prefill_tokens},
          {"answer_tokens", i.answer_tokens},
          {"timings", {{"prefill_ms", i.prefill_ms},
                       {"decode_ms", i.decode_ms},
                       {"started_at", optional_json(i.started_at)},
                       {"finished_at", optional_json(i.finished_at)}}}};
}

// "p. 3, src/a.cpp:1-80": the labels of an item's citations, for Markdown.
std::string citation_labels(const BatchItemRow& i) {
  const auto citations = json::parse(i.citations_json, nullptr, false);
  std::string out;
  if (!citations.is_array()) return out;
  for (const json& c : citations) {
    if (!c.is_object() || !c.contains("label") || !c["label"].is_string()) continue;
    if (!out.empty()) out += ", ";
    out += c["label"].get<std::string>();
  }
  return out;
}

std::string batch_markdown(const BatchExport& b) {
  std::string md = fmt::format("# Batch: {}\n\nFolder: {}  \nModel: {}  \nAttention: {}  \n"
                               "Status: {}\n\nQuestions:\n\n",
                               b.run.name, b.run.folder, b.run.model_fingerprint,
                               b.run.attention_config, b.run.status);
  for (const BatchQuestionRow& q : b.questions) md += fmt::format("{}. {}\n", q.ordinal + 1, q.text);
  md += "\n";
  const std::string* document = nullptr;
  for (const BatchItemRow& i : b.items) {
    if (!document || *document != i.path) md += fmt::format("## {}\n\n", i.path);
    document = &i.path;
    md += fmt::format("### Q{}: {}\n\n*{}*\n\n{}\n\n", i.question_ordinal + 1, i.question,
                      i.status, i.status == "done" ? i.answer : i.error);
    if (const std::string labels = citation_labels(i); !labels.empty()) {
      md += fmt::format("Citations: {}\n\n", labels);
    }
  }
  return md;
}

}  // namespace

std::string span_report_html_section(const SpanReport& r, int document_pages) {
  std::string h = fmt::format(
      "<section class=\"span\"><h3>Where the model looked ({} attention)</h3>\n<p>50% of the "
      "attention within {} tokens, 90% within {} tokens; {:.1f}% outside the document.</p>\n",
      xml_escape(r.attention), r.span_p50, r.span_p90, 100.0 * r.outside_documents);
  h += heatmap_svg(r, 0, document_pages) + "\n";
  h += "<h4>Attention by distance (tokens)</h4>\n" + histogram_svg(r) + "\n";
  if (!r.top_passages.empty()) {
    h += "<h4>Top passages</h4>\n<table><tr><th>Where</th><th>Mass</th><th>Text</th></tr>\n";
    for (const Passage& p : r.top_passages) {
      h += fmt::format("<tr><td>{}</td><td>{:.1f}%</td><td>{}</td></tr>\n", xml_escape(p.label),
                       100.0 * p.mass, xml_escape(p.text));
    }
    h += "</table>\n";
  }
  h += "</section>\n";
  return h;
}

Result<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "md" || name == "markdown") return ExportFormat::markdown;
  if (name == "html") return ExportFormat::html;
  if (name == "json") return ExportFormat::json;
  if (name == "jsonl") return ExportFormat::jsonl;
  if (name == "csv") return ExportFormat::csv;
  return make_error(Errc::invalid_argument,
                    "unknown export format '{}'; use markdown, html, json, jsonl or csv", name);
}

std::string_view export_extension(ExportFormat format) {
  switch (format) {
    case ExportFormat::markdown: return "md";
    case ExportFormat::html: return "html";
    case ExportFormat::json: return "json";
    case ExportFormat::jsonl: return "jsonl";
    case ExportFormat::csv: return "csv";
  }
  return "txt";
}

std::string csv_field(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

Result<SessionExport> load_session_export(Database& db, int64_t session_id) {
  SessionRepo sessions(db);
  auto row = sessions.find(session_id);
  if (!row) return row.error();
  if (!*row) {
    return make_error(Errc::not_found, "there is no session {}; check the id",
                      session_id);
  }
  SessionExport out;
  out.session = **row;
  auto doc = DocumentRepo(db).load(out.session.document_id);
  if (!doc) return doc.error();
  out.document_title = doc->title;
  out.document_path = doc->path;
  out.document_kind = doc->kind;
  out.document_pages = doc->pages;
  auto messages = sessions.messages(session_id);
  if (!messages) return messages.error();
  SpanReportRepo reports(db);
  for (MessageRow& m : *messages) {
    auto report = reports.find_for_message(m.id);
    if (!report) return report.error();
    ExportMessage e{std::move(m), std::nullopt};
    if (*report) e.span_report_json = (*report)->report_json;
    out.messages.push_back(std::move(e));
  }
  return out;
}

Result<BatchExport> load_batch_export(Database& db, int64_t run_id) {
  BatchRepo repo(db);
  auto run = repo.find_run(run_id);
  if (!run) return run.error();
  if (!*run) return make_error(Errc::not_found, "there is no batch run {}", run_id);
  auto questions = repo.questions(run_id);
  if (!questions) return questions.error();
  auto items = repo.items(run_id);
  if (!items) return items.error();
  return BatchExport{**run, std::move(*questions), std::move(*items)};
}

Result<std::string> export_session(const SessionExport& s, ExportFormat format) {
  std::vector<std::optional<SpanReport>> reports;
  for (const ExportMessage& m : s.messages) {
    auto r = report_of(m);
    if (!r) return r.error();
    reports.push_back(std::move(*r));
  }
  switch (format) {
    case ExportFormat::markdown: return session_markdown(s, reports);
    case ExportFormat::html: return session_html(s, reports);
    case ExportFormat::csv: return session_csv(s, reports);
    case ExportFormat::jsonl: {
      std::string out;
      for (const ExportMessage& e : s.messages) out += line(message_json(e)) + "\n";
      return out;
    }
    case ExportFormat::json: break;
  }
  json messages = json::array();
  for (const ExportMessage& e : s.messages) messages.push_back(message_json(e));
  return dump({{"schema", "quire.session_export/1"},
               {"session", session_json(s)},
               {"document", {{"title", s.document_title}, {"path", s.document_path},
                             {"kind", s.document_kind}, {"pages", s.document_pages}}},
               {"messages", messages}});
}

std::string export_batch(const BatchExport& b, ExportFormat format) {
  switch (format) {
    case ExportFormat::markdown: return batch_markdown(b);
    case ExportFormat::html: {
      std::string h = fmt::format(
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Batch: {}"
          "</title><style>{}</style></head><body>\n<h1>Batch: {}</h1>\n<p class=\"meta\">"
          "Folder: {}<br>Model: {}<br>Status: {}</p>\n<table><tr><th>Document</th><th>Question"
          "</th><th>Status</th><th>Answer</th></tr>\n",
          xml_escape(b.run.name), kReportStyle, xml_escape(b.run.name), xml_escape(b.run.folder),
          xml_escape(b.run.model_fingerprint), xml_escape(b.run.status));
      for (const BatchItemRow& i : b.items) {
        h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"msg\">{}</td></tr>\n",
                         xml_escape(i.path), xml_escape(i.question), xml_escape(i.status),
                         xml_escape(i.status == "done" ? i.answer : i.error));
      }
      return h + "</table>\n</body></html>\n";
    }
    case ExportFormat::csv: {
      std::string out =
          "path,status,answer,error,document_id,prefill_ms,decode_ms,question,question_index,"
          "context_tokens,prefix_tokens,prefill_tokens,answer_tokens,message_id,citations\r\n";
      const auto num = [](auto v) { return csv_field(fmt::format("{}", v)); };
      for (const BatchItemRow& i : b.items) {
        out += fmt::format(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n", csv_field(i.path),
            csv_field(i.status), csv_field(i.answer), csv_field(i.error),
            csv_field(i.document_id ? std::to_string(*i.document_id) : ""), num(i.prefill_ms),
            num(i.decode_ms), csv_field(i.question), num(i.question_ordinal),
            num(i.context_tokens), num(i.prefix_tokens), num(i.prefill_tokens),
            num(i.answer_tokens), csv_field(i.message_id ? std::to_string(*i.message_id) : ""),
            csv_field(i.citations_json));
      }
      return out;
    }
    case ExportFormat::jsonl: {
      std::string out;
      for (const BatchItemRow& i : b.items) out += line(item_json(i)) + "\n";
      return out;
    }
    case ExportFormat::json: break;
  }
  json items = json::array();
  for (const BatchItemRow& i : b.items) items.push_back(item_json(i));
  json run = run_json(b.run);
  run["questions"] = json::array();
  for (const BatchQuestionRow& q : b.questions) run["questions"].push_back(q.text);
  return dump({{"schema", "quire.batch_export/1"}, {"run", run}, {"items", items}});
}

}  // namespace quire::app
