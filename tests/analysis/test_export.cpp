// Exports of a stored session (with a span report) and a batch run, in every format, parsed back
// by an independent reader: Python's json, csv and html.parser (parse_exports.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/analysis/export.h"
#include "app/analysis/span_report.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/span_report_repo.h"
#include "../store/temp_dir.h"

namespace quire::app {
namespace {

Document three_pages() {
  Document d;
  d.kind = "pdf";
  d.title = "Storms & <Lamps>";
  d.path = "/tmp/storms.pdf";
  d.text = "one\ntwo\nthree\n";
  d.pages = 3;
  d.segments = {{0, 4, 1, "", "", "", 0, 0}, {4, 8, 2, "", "", "", 0, 0},
                {8, 14, 3, "", "", "", 0, 0}};
  return d;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(Export, SessionAndBatchParseBack) {
  testing::TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db) << db.error().message;
  const Document doc = three_pages();
  const auto ingested = DocumentRepo(*db).ingest(doc, {std::string(64, 'a'), 14, 1});
  ASSERT_TRUE(ingested);
  SessionRepo sessions(*db);
  const auto session = sessions.create(ingested->document_id, "", "llama-3.2-1b", "full");
  ASSERT_TRUE(session);
  const std::vector<std::string> texts = {"What \"broke\", and when?\r\nSecond line",
                                          "The lamp broke on page 2, in <b>winter</b> & spring."};
  ASSERT_TRUE(sessions.append(session->id, "user", texts[0]));
  const std::string citations = R"([{"page":2,"quote":"two"}])";
  const auto answer = sessions.append(session->id, "assistant", texts[1], {100, 12, 5.5, 20.25},
                                      citations);
  ASSERT_TRUE(answer);

  // Page 2 gets 3/4 of the attention (distance 6), page 1 the rest (distance 9).
  AttentionTrace trace;
  trace.tokens = {{10, {{0, {{1, 0.25f}, {4, 0.75f}}}}}};
  const std::vector<SegmentRef> map = {{-1, -1}, {0, 0}, {0, 0}, {0, 1}, {0, 1}, {0, 2}};
  const auto report = compute_span_report({&trace, &map, {{&doc, ingested->document_id}}, 5});
  ASSERT_TRUE(report);
  ASSERT_TRUE(SpanReportRepo(*db).put(answer->id, span_report_to_json(*report)));

  const auto loaded = load_session_export(*db, session->id);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->document_title, doc.title);
  for (auto f : {ExportFormat::markdown, ExportFormat::html, ExportFormat::json,
                 ExportFormat::csv}) {
    const auto out = export_session(*loaded, f);
    ASSERT_TRUE(out) << out.error().message;
    write(dir.path() / ("session." + std::string(export_extension(f))), *out);
  }
  const auto j = nlohmann::json::parse(*export_session(*loaded, ExportFormat::json));
  EXPECT_EQ(j["document"]["pages"], 3);
  EXPECT_DOUBLE_EQ(j["messages"][1]["span_report"]["segments"][1]["mass"].get<double>(), 0.75);
  EXPECT_EQ(j["messages"][1]["prefill_ms"], 5.5);

  BatchRepo batches(*db);
  const auto run = batches.create_run("weekly", "Who signed?", "m", "full",
                                      {"/docs/a, \"b\".pdf", "/docs/c.pdf"});
  ASSERT_TRUE(run);
  const auto items = batches.items(run->id);
  ASSERT_TRUE(items && items->size() == 2);
  ASSERT_TRUE(batches.finish_item((*items)[0].id, ingested->document_id, "done",
                                  "Alice, \"the\" clerk", "", 1.0, 2.0));
  ASSERT_TRUE(batches.finish_item((*items)[1].id, std::nullopt, "failed", "", "encrypted PDF",
                                  0, 0));
  const auto batch = load_batch_export(*db, run->id);
  ASSERT_TRUE(batch);
  for (auto f : {ExportFormat::html, ExportFormat::json, ExportFormat::csv}) {
    write(dir.path() / ("batch." + std::string(export_extension(f))), export_batch(*batch, f));
  }
  const auto bj = nlohmann::json::parse(export_batch(*batch, ExportFormat::json));
  EXPECT_EQ(bj["items"][1]["error"], "encrypted PDF");
  EXPECT_TRUE(bj["items"][1]["document_id"].is_null());

  const nlohmann::json expected = {
      {"texts", texts},
      {"p50", 6},
      {"citations", nlohmann::json::parse(citations)},
      {"svg_titles", {"p. 1: 25.0%", "p. 2: 75.0%", "p. 3: 0.0%", "distance 4-7: 75.0%"}},
      {"batch_paths", {"/docs/a, \"b\".pdf", "/docs/c.pdf"}},
      {"batch_answer", "Alice, \"the\" clerk"},
      {"batch_error", "encrypted PDF"}};
  write(dir.path() / "expected.json", expected.dump());
  const std::string cmd = std::string(QUIRE_PYTHON) + " " + QUIRE_PARSE_EXPORTS + " '" +
                          dir.path().string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Export, CsvFieldsAndErrors) {
  EXPECT_EQ(csv_field("a\"b,c\r\nd"), "\"a\"\"b,c\r\nd\"");
  EXPECT_EQ(parse_export_format("md").value(), ExportFormat::markdown);
  EXPECT_FALSE(parse_export_format("pdf"));
  SessionExport s;
  s.messages.push_back({MessageRow{}, std::string("{\"schema\":\"quire.span_report/9\"}")});
  EXPECT_EQ(export_session(s, ExportFormat::html).error().code, Errc::unsupported);
  s.messages[0].span_report_json = "[1,2";
  EXPECT_EQ(export_session(s, ExportFormat::markdown).error().code, Errc::corrupt_data);
  testing::TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db);
  EXPECT_EQ(load_session_export(*db, 99).error().code, Errc::not_found);
  EXPECT_EQ(load_batch_export(*db, 99).error().code, Errc::not_found);
}

}  // namespace
}  // namespace quire::app
