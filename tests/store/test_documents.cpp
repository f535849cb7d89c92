#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/segment_search.h"
#include "temp_dir.h"

namespace quire::app {
namespace {
using testing::TempDir;

// A document whose segments are the given paragraphs, one page each.
Document make_doc(std::string path, std::vector<std::string> paragraphs) {
  Document doc;
  doc.kind = "pdf";
  doc.title = "Title of " + path;
  doc.path = std::move(path);
  doc.pages = static_cast<int>(paragraphs.size());
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    Segment s;
    s.char_begin = static_cast<int64_t>(doc.text.size());
    doc.text += paragraphs[i];
    doc.text += "\n";
    s.char_end = static_cast<int64_t>(doc.text.size());
    s.page = static_cast<int>(i + 1);
    s.page_label = fmt::format("p{}", i + 1);
    doc.segments.push_back(s);
  }
  return doc;
}

SourceStamp stamp(std::string hash) { return {std::move(hash), 100, 5}; }

struct Fixture {
  TempDir dir;
  Database db;
  Fixture() { db = std::move(Database::open(dir.path() / "q.db").value()); }
};

TEST(Documents, IngestStoresAndLoadsTheSameDocument) {
  Fixture f;
  DocumentRepo repo(f.db);
  Document doc = make_doc("/a.pdf", {"alpha beta", "gamma"});
  doc.segments[1].chapter = "Two";
  doc.segments[0].page.reset();
  auto r = repo.ingest(doc, stamp("h1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->outcome, IngestOutcome::added);
  auto back = repo.load(r->document_id);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, doc.text);
  EXPECT_EQ(back->kind, "pdf");
  EXPECT_EQ(back->pages, 2);
  ASSERT_EQ(back->segments.size(), 2u);
  EXPECT_FALSE(back->segments[0].page.has_value());
  EXPECT_EQ(back->segments[1].page, 2);
  EXPECT_EQ(back->segments[1].chapter, "Two");
  EXPECT_EQ(back->segments[1].char_begin, doc.segments[1].char_begin);
  auto rows = repo.list();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].n_segments, 2);
  EXPECT_EQ((*rows)[0].content_hash, "h1");
  EXPECT_EQ(repo.load(999).error().code, Errc::not_found);
}

TEST(Documents, ReingestUnchangedReusesChangedReplaces) {
  Fixture f;
  DocumentRepo repo(f.db);
  auto first = repo.ingest(make_doc("/a.pdf", {"old words"}), stamp("h1"));
  ASSERT_TRUE(first);
  auto found = repo.find_unchanged("/a.pdf", stamp("h1"));
  ASSERT_TRUE(found && found->has_value());
  EXPECT_FALSE(repo.find_unchanged("/a.pdf", stamp("h2"))->has_value());

  auto same = repo.ingest(make_doc("/a.pdf", {"old words"}), {"h1", 100, 99});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->outcome, IngestOutcome::unchanged);
  EXPECT_EQ(same->document_id, first->document_id);
  EXPECT_EQ((*repo.find_by_path("/a.pdf"))->mtime_ns, 99);

  auto changed = repo.ingest(make_doc("/a.pdf", {"new text", "more"}), stamp("h2"));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->outcome, IngestOutcome::replaced);
  EXPECT_EQ(changed->document_id, first->document_id);
  EXPECT_EQ(repo.load(changed->document_id)->segments.size(), 2u);
  EXPECT_TRUE(search_segments(f.db, "old")->empty());  // the index forgot the old text
  EXPECT_EQ(search_segments(f.db, "new")->size(), 1u);
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM segments"), 2);
}

TEST(Documents, CancelledIngestWritesNothingAndProgressReachesTheEnd) {
  Fixture f;
  DocumentRepo repo(f.db);
  const Document doc = make_doc("/a.pdf", {"one", "two", "three"});
  std::stop_source stop;
  stop.request_stop();
  auto r = repo.ingest(doc, stamp("h"), stop.get_token());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::cancelled);
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM documents"), 0);

  ProgressUpdate last;
  auto ok = repo.ingest(doc, stamp("h"), {}, [&](const ProgressUpdate& u) { last = u; });
  ASSERT_TRUE(ok);
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.done, 3);
  EXPECT_EQ(last.total, 3);
}

TEST(Documents, OutOfRangeSegmentsAreRefusedAndNothingIsWritten) {
  Fixture f;
  DocumentRepo repo(f.db);
  Document doc = make_doc("/a.pdf", {"abc", "def"});
  doc.segments[1].char_end = 1000;
  auto r = repo.ingest(doc, stamp("h"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  doc = make_doc("/a.pdf", {"abc", "def"});
  std::swap(doc.segments[0], doc.segments[1]);
  EXPECT_FALSE(repo.ingest(doc, stamp("h")));
  doc = make_doc("/a.pdf", {"abc"});
  doc.kind = "exe";
  auto bad_kind = repo.ingest(doc, stamp("h"));
  ASSERT_FALSE(bad_kind);
  EXPECT_NE(bad_kind.error().message.find("exe"), std::string::npos);
  EXPECT_EQ(repo.list()->size(), 0u);
}

TEST(Documents, DeletingADocumentCascadesAndForeignKeysHold) {
  Fixture f;
  DocumentRepo repo(f.db);
  auto r = repo.ingest(make_doc("/a.pdf", {"one", "two"}), stamp("h"));
  ASSERT_TRUE(r);
  ASSERT_TRUE(f.db.exec(fmt::format(
      "INSERT INTO sessions (document_id, model_fingerprint, attention_config, created_at, "
      "updated_at) VALUES ({}, 'm', 'full', 1, 1);"
      "INSERT INTO messages (session_id, ordinal, role, text, created_at) VALUES "
      "(last_insert_rowid(), 0, 'user', 'hi', 1);", r->document_id)));
  // A session for a document that does not exist is refused.
  auto orphan = f.db.exec("INSERT INTO sessions (document_id, model_fingerprint, "
                          "attention_config, created_at, updated_at) VALUES (999, 'm', 'f', 1, 1)");
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, Errc::invalid_argument);
  ASSERT_TRUE(repo.remove(r->document_id));
  for (const char* table : {"segments", "sessions", "messages", "segments_fts"}) {
    EXPECT_EQ(*f.db.query_int64(fmt::format("SELECT count(*) FROM {}", table)), 0) << table;
  }
  EXPECT_EQ(*f.db.query_int64("SELECT count(*) FROM pragma_foreign_key_check"), 0);
}

TEST(Documents, SearchRanksBetterMatchesFirstWithSnippetAndLocation) {
  Fixture f;
  DocumentRepo repo(f.db);
  ASSERT_TRUE(repo.ingest(make_doc("/a.pdf", {"the whale swims", "nothing here at all",
                                             "whale whale whale, the white whale"}),
                          stamp("a")));
  Document code;
  code.kind = "code";
  code.title = "src";
  code.path = "/src";
  code.text = "int whale = 1;\n";
  Segment s;
  s.char_end = static_cast<int64_t>(code.text.size());
  s.file = "main.cpp";
  s.line_start = 10;
  s.line_end = 10;
  code.segments.push_back(s);
  ASSERT_TRUE(repo.ingest(code, stamp("b")));

  auto hits = search_segments(f.db, "Whale");
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->size(), 3u);
  // The segment saying "whale" four times ranks first.
  EXPECT_EQ((*hits)[0].page, 3);
  EXPECT_EQ((*hits)[0].page_label, "p3");
  EXPECT_EQ((*hits)[0].document_path, "/a.pdf");
  EXPECT_NE((*hits)[0].snippet.find("[whale]"), std::string::npos) << (*hits)[0].snippet;
  for (size_t i = 1; i < hits->size(); ++i) EXPECT_LE((*hits)[i - 1].score, (*hits)[i].score);
  bool saw_code = false;
  for (const SearchHit& h : *hits) {
    if (h.file == "main.cpp") {
      saw_code = true;
      EXPECT_EQ(h.line_start, 10);
      EXPECT_FALSE(h.page.has_value());
    }
  }
  EXPECT_TRUE(saw_code);

  auto both = search_segments(f.db, "white   whale");  // every word must occur
  ASSERT_TRUE(both);
  ASSERT_EQ(both->size(), 1u);
  EXPECT_EQ((*both)[0].page, 3);
  SearchOptions one;
  one.limit = 1;
  EXPECT_EQ(search_segments(f.db, "whale", one)->size(), 1u);
}

TEST(Documents, AnyTypedTextIsAValidQuery) {
  Fixture f;
  DocumentRepo repo(f.db);
  ASSERT_TRUE(repo.ingest(make_doc("/a.pdf", {"say \"hello\" AND goodbye"}), stamp("a")));
  EXPECT_EQ(fts5_literal_query("a \"b c"), "\"a\" \"\"\"b\" \"c\"");
  for (const char* q : {"\"hello", "AND", "NEAR(", "goodbye*", "col:x", "-", "(("}) {
    auto hits = search_segments(f.db, q);
    EXPECT_TRUE(hits) << q << ": " << hits.error().message;
  }
  EXPECT_EQ(search_segments(f.db, "AND")->size(), 1u);
  auto empty = search_segments(f.db, "   ");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::invalid_argument);
}

TEST(Documents, StampFileHashesTheBytes) {
  TempDir dir;
  const auto p = dir.path() / "f.txt";
  std::ofstream(p) << "abc";
  auto s = stamp_file(p);
  ASSERT_TRUE(s) << s.error().message;
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(s->content_hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(s->bytes, 3);
  EXPECT_GT(s->mtime_ns, 0);
  EXPECT_EQ(stamp_file(dir.path() / "missing").error().code, Errc::not_found);
}

}  // namespace
}  // namespace quire::app
