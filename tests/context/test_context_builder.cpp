// Context builder on a real SentencePiece tokenizer (a tiny byte-fallback vocabulary) and
// real documents (SentencePiece puts its space prefix before each rendered piece, so rendered
// lines start with a space): the token -> segment map covers exactly the document tokens, the
// prefix does not depend on the question, overflow errors carry the numbers, head and ranked
// keep the right sets.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "app/context/context_builder.h"
#include "app/context/segment_ranking.h"
#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "../store/temp_dir.h"
#include "../unit/spm_test_vocab.h"

namespace quire::app {
namespace {

using engine::ChatTemplateKind;
using engine::Vocab;

// The common head (spm_test_vocab.h), "▁" and a few pieces: most text is one token per byte.
std::unique_ptr<engine::Tokenizer> tiny_tokenizer() {
  engine::testing::SpmTestVocab pieces;
  pieces.add("\xE2\x96\x81", -1)
      .add("e", -2)
      .add("t", -3)
      .add("\xE2\x96\x81t", -4)
      .add("\xE2\x96\x81th", -5)
      .add("h", -6);
  const Vocab& v = pieces.vocab();
  auto t = engine::Tokenizer::create(v);
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return std::move(t.value());
}

// A PDF-like document: one segment per page, page N's text "page N: WORDS".
Document pdf(const std::vector<std::string>& pages) {
  Document d;
  d.kind = "pdf";
  d.title = "The \"Book\"";
  d.path = "/tmp/book.pdf";
  d.pages = static_cast<int>(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    Segment s;
    s.char_begin = static_cast<int64_t>(d.text.size());
    d.text += fmt::format("page {}: {}\n", i + 1, pages[i]);
    s.char_end = static_cast<int64_t>(d.text.size());
    s.page = static_cast<int>(i + 1);
    d.segments.push_back(s);
  }
  return d;
}

std::vector<std::string> ten_pages() {
  std::vector<std::string> p;
  for (int i = 0; i < 10; ++i) p.push_back(fmt::format("ordinary words number {}", i * 7));
  p[1] = "the lighthouse stands on the cape";
  p[4] = "a keeper lived alone";
  p[6] = "storms broke the lighthouse lamp";
  return p;
}

// Tokens of the prefix that map to `ref`, which must be one contiguous run.
std::vector<int32_t> tokens_of(const BuiltContext& c, SegmentRef ref) {
  std::vector<int32_t> out;
  size_t first = c.prefix_segments.size(), last = 0;
  for (size_t i = 0; i < c.prefix_segments.size(); ++i) {
    if (c.prefix_segments[i] == ref) {
      first = std::min(first, i);
      last = i;
      out.push_back(c.prefix_tokens[i]);
    }
  }
  if (!out.empty()) {
    EXPECT_EQ(last - first + 1, out.size()) << "segment tokens not contiguous";
  }
  return out;
}

ContextRequest request(const Document& doc, std::string question, int64_t n_ctx) {
  ContextRequest r;
  r.documents = {{&doc, 0}};
  r.system_prompt = "Answer from the document.";
  r.question = std::move(question);
  r.n_ctx = n_ctx;
  r.answer_reserve = 16;
  r.question_reserve = 64;
  return r;
}

TEST(ContextBuilder, MapCoversExactlyTheDocumentTokens) {
  const auto tok = tiny_tokenizer();
  const Document doc = pdf(ten_pages());
  const auto built = build_context(request(doc, "Where is the lighthouse?", 100000), *tok);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_FALSE(built->notice);
  ASSERT_EQ(built->prefix_segments.size(), built->prefix_tokens.size());
  size_t mapped = 0;
  for (size_t s = 0; s < doc.segments.size(); ++s) {
    const std::string rendered = fmt::format("[p. {}] page {}: {}\n", s + 1, s + 1,
                                             ten_pages()[s]);
    const auto ids = tokens_of(*built, {0, int32_t(s)});
    EXPECT_EQ(ids, tok->encode(rendered, false, false)) << rendered;
    EXPECT_EQ(tok->decode(ids), rendered);
    mapped += ids.size();
  }
  size_t unmapped = 0;
  for (const SegmentRef& r : built->prefix_segments) {
    if (r.document < 0) {
      ++unmapped;
    } else {
      EXPECT_EQ(r.document, 0);
      EXPECT_LT(r.segment, 10);
    }
  }
  EXPECT_EQ(mapped + unmapped, built->prefix_tokens.size());
  EXPECT_EQ(built->kept.size(), 10u);
  EXPECT_EQ(built->prefix_tokens.front(), tok->bos());
  const std::string prefix = tok->decode(built->prefix_tokens);
  EXPECT_NE(prefix.find("System: Answer from the document."), std::string::npos) << prefix;
  EXPECT_NE(prefix.find("<document title=\"The 'Book'\" kind=\"pdf\">"), std::string::npos);
  EXPECT_EQ(prefix.find("lighthouse?"), std::string::npos);
  const std::string suffix = tok->decode(built->suffix_tokens);
  EXPECT_EQ(suffix.rfind("Question: Where is the lighthouse?"), 0u) << suffix;
  EXPECT_EQ(suffix.substr(suffix.size() - 10), "Assistant:");
  EXPECT_EQ(built->prefix_hash.size(), 64u);
}

TEST(ContextBuilder, PrefixDoesNotDependOnTheQuestion) {
  const auto tok = tiny_tokenizer();
  const Document doc = pdf(ten_pages());
  for (auto kind : {ChatTemplateKind::plain, ChatTemplateKind::llama2, ChatTemplateKind::llama3,
                    ChatTemplateKind::mistral, ChatTemplateKind::chatml}) {
    auto a = request(doc, "Who kept the lamp?", 100000);
    auto b = request(doc, "What broke, and when did the storms come?", 100000);
    a.chat_template = b.chat_template = kind;
    const auto x = build_context(a, *tok);
    const auto y = build_context(b, *tok);
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->prefix_tokens, y->prefix_tokens) << engine::chat_template_name(kind);
    EXPECT_EQ(x->prefix_hash, y->prefix_hash);
    EXPECT_NE(x->suffix_tokens, y->suffix_tokens);
    EXPECT_NE(tok->decode(y->suffix_tokens).find("storms come?"), std::string::npos);
  }
  auto other = request(doc, "Who kept the lamp?", 100000);
  other.system_prompt = "Be brief.";
  EXPECT_NE(build_context(other, *tok)->prefix_hash,
            build_context(request(doc, "Who kept the lamp?", 100000), *tok)->prefix_hash);
}

// The whole prompt at a large context, for the numbers of the small-context cases.
struct Sizes {
  int64_t prefix = 0, suffix = 0, fixed = 0, gap = 0;
  std::vector<int64_t> seg;
};

Sizes measure(const engine::Tokenizer& tok, const Document& doc, const std::string& q) {
  const auto full = build_context(request(doc, q, 100000), tok);
  EXPECT_TRUE(full);
  Sizes s;
  s.prefix = int64_t(full->prefix_tokens.size());
  s.suffix = int64_t(full->suffix_tokens.size());
  s.fixed = s.prefix;
  for (size_t i = 0; i < doc.segments.size(); ++i) {
    s.seg.push_back(int64_t(tokens_of(*full, {0, int32_t(i)}).size()));
    s.fixed -= s.seg.back();
  }
  s.gap = int64_t(tok.encode("[...]\n", false, false).size());
  return s;
}

TEST(ContextBuilder, OverflowErrorGivesTheNumbers) {
  const auto tok = tiny_tokenizer();
  const Document doc = pdf(ten_pages());
  const Sizes s = measure(*tok, doc, "q?");
  const auto r = build_context(request(doc, "q?", 300), *tok);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::context_overflow);
  const std::string& m = r.error().message;
  const int64_t needed = s.prefix + std::max<int64_t>(s.suffix, 64);
  EXPECT_GT(needed, 300);
  EXPECT_NE(m.find(fmt::format("need {} tokens", group_thousands(needed))), std::string::npos) << m;
  EXPECT_NE(m.find("holds 300 with 16 kept for the answer"), std::string::npos) << m;
  EXPECT_NE(m.find("--overflow head or ranked"), std::string::npos) << m;
  EXPECT_EQ(group_thousands(181234), "181,234");
  EXPECT_EQ(group_thousands(131072), "131,072");
  EXPECT_EQ(group_thousands(999), "999");
}

TEST(ContextBuilder, HeadKeepsTheFirstSegmentsThatFit) {
  const auto tok = tiny_tokenizer();
  const Document doc = pdf(ten_pages());
  const Sizes s = measure(*tok, doc, "q?");
  auto req = request(doc, "q?", s.fixed + s.gap + s.seg[0] + s.seg[1] + s.seg[2] + s.seg[3] +
                                    16 + 64);
  req.overflow = OverflowPolicy::head;
  const auto built = build_context(req, *tok);
  ASSERT_TRUE(built) << built.error().message;
  ASSERT_EQ(built->kept.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(built->kept[size_t(i)], (SegmentRef{0, i}));
  ASSERT_TRUE(built->notice);
  ASSERT_EQ(built->notice->left_out.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(built->notice->left_out[size_t(i)].ref, (SegmentRef{0, i + 4}));
    EXPECT_EQ(built->notice->left_out[size_t(i)].label, fmt::format("p. {}", i + 5));
    EXPECT_EQ(built->notice->left_out[size_t(i)].n_tokens, s.seg[size_t(i + 4)]);
  }
  EXPECT_LE(built->n_tokens(), req.n_ctx - 16);
  const std::string m = built->notice->message();
  EXPECT_NE(m.find("kept 4 of 10 segments (head)"), std::string::npos) << m;
  EXPECT_NE(m.find("left out: p. 5, p. 6, p. 7, p. 8, p. 9, p. 10"), std::string::npos) << m;
  EXPECT_NE(tok->decode(built->prefix_tokens).find("page 4: ordinary words number 21\n [...]\n"),
            std::string::npos);
  // One token less and the fourth page goes too.
  req.n_ctx -= 1;
  EXPECT_EQ(build_context(req, *tok)->kept.size(), 3u);
}

TEST(ContextBuilder, RankedKeepsTheBestMatchesInDocumentOrder) {
  testing::TempDir dir;
  auto db = Database::open(dir.path() / "q.db");
  ASSERT_TRUE(db) << db.error().message;
  DocumentRepo repo(*db);
  const Document doc = pdf(ten_pages());
  Document other = pdf({"another lighthouse elsewhere"});
  other.path = "/tmp/other.pdf";
  const SourceStamp stamp{std::string(64, 'a'), 10, 1};
  const auto id = repo.ingest(doc, stamp);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(repo.ingest(other, stamp));

  const std::string q = "Who was the lighthouse keeper?";
  auto req = request(doc, q, 0);
  req.documents[0].store_id = id->document_id;
  auto ranking = rank_segments_for_question(*db, req.documents, q);
  ASSERT_TRUE(ranking) << ranking.error().message;
  // "the" is in pages 2 and 7 too; every ranked segment has a word of the question, and the
  // other document's lighthouse is not among them.
  std::vector<int32_t> ranked;
  for (const SegmentRef& r : *ranking) {
    EXPECT_EQ(r.document, 0);
    ranked.push_back(r.segment);
  }
  std::sort(ranked.begin(), ranked.end());
  EXPECT_EQ(ranked, (std::vector<int32_t>{1, 4, 6}));

  const auto tok = tiny_tokenizer();
  const Sizes s = measure(*tok, doc, q);
  req.ranking = *ranking;
  req.overflow = OverflowPolicy::ranked;
  req.n_ctx = s.fixed + s.gap + (s.seg[1] + s.gap) + (s.seg[4] + s.gap) + (s.seg[6] + s.gap) +
              16 + 64;
  const auto built = build_context(req, *tok);
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(built->kept, (std::vector<SegmentRef>{{0, 1}, {0, 4}, {0, 6}}));
  ASSERT_TRUE(built->notice);
  std::vector<int32_t> left;
  for (const auto& l : built->notice->left_out) {
    left.push_back(l.ref.segment);
    EXPECT_EQ(l.store_id, id->document_id);
  }
  EXPECT_EQ(left, (std::vector<int32_t>{0, 2, 3, 5, 7, 8, 9}));
  EXPECT_NE(built->notice->message().find("(ranked)"), std::string::npos);
  const std::string prefix = tok->decode(built->prefix_tokens);
  EXPECT_NE(prefix.find("[...]\n [p. 2] page 2: the lighthouse"), std::string::npos) << prefix;
}

TEST(ContextBuilder, RejectsBadRequests) {
  const auto tok = tiny_tokenizer();
  const Document doc = pdf(ten_pages());
  EXPECT_EQ(build_context(request(doc, "q", 0), *tok).error().code, Errc::invalid_argument);
  auto bad = request(doc, "q", 100000);
  bad.ranking = {{0, 10}};
  EXPECT_EQ(build_context(bad, *tok).error().code, Errc::invalid_argument);
  Document broken = doc;
  broken.segments[3].char_end = 1 << 20;
  const auto r = build_context(request(broken, "q", 100000), *tok);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("segment 4"), std::string::npos);
  // The question alone does not fit what the documents leave.
  auto long_q = request(doc, std::string(500, 'q'), 0);
  const Sizes s = measure(*tok, doc, "q");
  long_q.n_ctx = s.prefix + 16 + 64;
  const auto lq = build_context(long_q, *tok);
  ASSERT_FALSE(lq);
  EXPECT_EQ(lq.error().code, Errc::context_overflow);
  EXPECT_NE(lq.error().message.find("the question takes"), std::string::npos);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(build_context(request(doc, "q", 100000), *tok, stop.get_token()).error().code,
            Errc::cancelled);
  EXPECT_EQ(parse_overflow_policy("ranked").value(), OverflowPolicy::ranked);
  EXPECT_FALSE(parse_overflow_policy("tail"));
}

TEST(ContextBuilder, LabelsNameLocations) {
  Segment code;
  code.file = "src/main.cpp";
  code.line_start = 10;
  code.line_end = 40;
  EXPECT_EQ(segment_label(code, 0), "src/main.cpp:10-40");
  Segment page;
  page.page = 3;
  page.page_label = "iv";
  EXPECT_EQ(segment_label(page, 0), "p. 3 \"iv\"");
  Segment chapter;
  chapter.chapter = "The Storm";
  EXPECT_EQ(segment_label(chapter, 0), "ch. The Storm");
  EXPECT_EQ(segment_label(Segment{}, 6), "#7");
}

}  // namespace
}  // namespace quire::app
