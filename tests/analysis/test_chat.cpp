// ChatSession on a tiny synthetic model (random weights: the answers are gibberish, the test is
// about structure): turn 1 is the ask pipeline, later turns prefill only their own tokens (the
// template's turn text, the question, the generation prompt, computed here independently from
// the tokenizer and next_user_turn), the incremental KV state gives the same logits as a fresh
// session prefilled with the whole conversation, every turn is stored, resume continues the same
// session, overflow and Ctrl-C behave as chat.h says.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/analysis/chat.h"
#include "app/store/database.h"
#include "app/store/session_repo.h"
#include "app/store/span_report_repo.h"
#include "engine/model/model.h"
#include "engine/model/synthetic_model.h"
#include "engine/runtime/session.h"
#include "../store/temp_dir.h"

namespace quire::app {
namespace {

class ChatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>("chat");
    auto shape = engine::synthetic_shape("tiny");
    ASSERT_TRUE(shape.ok());
    engine::SyntheticSpec spec;
    spec.shape = *shape;
    spec.seed = 5;
    const auto path = dir_->path() / "tiny.gguf";
    ASSERT_TRUE(engine::write_synthetic_llama(path, spec).ok());
    auto model = engine::Model::load(path);
    ASSERT_TRUE(model.ok()) << model.error().message;
    model_ = std::move(*model);
  }
  static void TearDownTestSuite() {
    model_.reset();
    dir_.reset();
  }

  void SetUp() override {
    doc_ = dir_->path() / (std::string(::testing::UnitTest::GetInstance()->current_test_info()
                                           ->name()) + ".txt");
    std::ofstream(doc_) << "The lighthouse keeper counted storms.\n\nEach storm had a name.\n\n"
                           "The last one was called Mira and it broke the lamp.\n";
    auto db = Database::open(dir_->path() / "q.db");
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::make_unique<Database>(std::move(*db));
  }

  static std::unique_ptr<engine::Session> make_session(int64_t n_ctx = 2048) {
    engine::SessionConfig config;
    config.n_ctx = n_ctx;
    config.n_threads = 2;
    config.kv_type = kern::KvType::f32;
    config.sampler.temperature = 0.0f;
    auto session = engine::Session::create(model_, config);
    EXPECT_TRUE(session.ok()) << session.error().message;
    return std::move(*session);
  }

  ChatRequest request() const {
    ChatRequest r;
    r.documents = {doc_};
    r.max_tokens = 6;
    return r;
  }

  std::filesystem::path snapshots() const { return dir_->path() / "snapshots"; }

  // What a later turn must prefill, from the tokenizer and the template, not from ChatSession.
  static std::vector<int32_t> expected_turn_tokens(const std::string& question) {
    const engine::Tokenizer& tok = model_->tokenizer();
    const engine::NextTurnText t = engine::next_user_turn(engine::ChatTemplateKind::plain);
    std::vector<int32_t> ids = tok.encode(t.before, false, true);
    for (int32_t id : tok.encode(question, false, false)) ids.push_back(id);
    for (int32_t id : tok.encode(t.after, false, true)) ids.push_back(id);
    return ids;
  }

  static std::unique_ptr<testing::TempDir> dir_;
  static std::shared_ptr<const engine::Model> model_;
  std::filesystem::path doc_;
  std::unique_ptr<Database> db_;
};

std::unique_ptr<testing::TempDir> ChatTest::dir_;
std::shared_ptr<const engine::Model> ChatTest::model_;

TEST_F(ChatTest, LaterTurnsPrefillOnlyTheirTokensAndMatchAFreshPrefill) {
  ASSERT_EQ(chat_template_of(*model_), engine::ChatTemplateKind::plain);  // no template: plain
  auto session = make_session();
  auto chat = ChatSession::start(*db_, snapshots(), *session, request(), {});
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  auto r1 = (*chat)->turn("Who kept the lighthouse?", {});
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  EXPECT_FALSE(r1->restored_from_snapshot);
  EXPECT_EQ(r1->prefill_tokens, r1->prefix_tokens + r1->suffix_tokens);
  EXPECT_GT(r1->session_id, 0);

  const std::vector<int32_t> before = session->tokens();
  auto r2 = (*chat)->turn("  What broke the lamp?\n", {});
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  const std::vector<int32_t> turn2 = expected_turn_tokens("What broke the lamp?");
  EXPECT_EQ(r2->prefill_tokens, static_cast<int64_t>(turn2.size()));
  EXPECT_EQ(r2->suffix_tokens, static_cast<int64_t>(turn2.size()));
  EXPECT_EQ(r2->session_id, r1->session_id);
  EXPECT_EQ(r2->context_tokens, static_cast<int64_t>(before.size() + turn2.size()));
  const std::vector<int32_t>& all = session->tokens();
  ASSERT_GE(all.size(), before.size() + turn2.size());
  EXPECT_TRUE(std::equal(before.begin(), before.end(), all.begin()));
  EXPECT_TRUE(std::equal(turn2.begin(), turn2.end(), all.begin() + std::ptrdiff_t(before.size())));

  // The KV cache built turn by turn gives the logits of the whole conversation prefilled at once.
  auto fresh = make_session();
  ASSERT_TRUE(fresh->prefill(all).ok());
  ASSERT_EQ(fresh->logits().size(), session->logits().size());
  ASSERT_FALSE(fresh->logits().empty());
  double max_diff = 0.0, max_abs = 0.0;
  for (size_t i = 0; i < fresh->logits().size(); ++i) {
    max_diff = std::max(max_diff, double(std::fabs(fresh->logits()[i] - session->logits()[i])));
    max_abs = std::max(max_abs, double(std::fabs(fresh->logits()[i])));
  }
  EXPECT_LT(max_diff, 1e-3 * std::max(1.0, max_abs));

  auto messages = SessionRepo(*db_).messages(r1->session_id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 4u);
  const char* roles[] = {"user", "assistant", "user", "assistant"};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ((*messages)[i].role, roles[i]) << i;
  EXPECT_EQ((*messages)[2].text, "What broke the lamp?");
  EXPECT_EQ((*messages)[2].timings.prompt_tokens, static_cast<int64_t>(turn2.size()));
  EXPECT_EQ((*messages)[3].timings.prompt_tokens, r2->prefill_tokens);
  EXPECT_EQ((*messages)[3].text, r2->answer);
  auto report = SpanReportRepo(*db_).find_for_message(r2->message_id);
  ASSERT_TRUE(report.ok() && report->has_value());
  EXPECT_EQ(nlohmann::json::parse((*report)->report_json).at("stop_reason"), r2->stop_reason);
}

TEST_F(ChatTest, ResumeContinuesTheStoredSession) {
  int64_t id = 0;
  {
    auto session = make_session();
    auto chat = ChatSession::start(*db_, snapshots(), *session, request(), {});
    ASSERT_TRUE(chat.ok()) << chat.error().message;
    ASSERT_TRUE((*chat)->turn("Who kept the lighthouse?", {}).ok());
    ASSERT_TRUE((*chat)->turn("What broke the lamp?", {}).ok());
    id = (*chat)->session_id();
  }
  auto session = make_session();
  ChatRequest again = request();
  again.documents.clear();  // the session's own document
  auto chat = ChatSession::resume(*db_, snapshots(), *session, id, again, {});
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  EXPECT_EQ((*chat)->turns(), 2);
  auto r3 = (*chat)->turn("Was it Mira?", {});
  ASSERT_TRUE(r3.ok()) << r3.error().message;
  EXPECT_EQ(r3->session_id, id);
  EXPECT_TRUE(r3->restored_from_snapshot);  // the prefix saved by turn 1
  // Re-prefilled: turn 1's suffix and answer, turn 2, plus this turn; never the prefix.
  EXPECT_GT(r3->prefill_tokens, r3->suffix_tokens);
  EXPECT_LT(r3->prefill_tokens, r3->prefix_tokens);
  auto messages = SessionRepo(*db_).messages(id);
  ASSERT_TRUE(messages.ok());
  EXPECT_EQ(messages->size(), 6u);
  EXPECT_EQ((*messages)[4].text, "Was it Mira?");

  // Another attention configuration cannot continue it.
  engine::SessionConfig f16 = session->config();
  f16.kv_type = kern::KvType::f16;
  auto other = engine::Session::create(model_, f16);
  ASSERT_TRUE(other.ok());
  auto refused = ChatSession::resume(*db_, snapshots(), **other, id, again, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::mismatch);
  auto missing = ChatSession::resume(*db_, snapshots(), *session, id + 1000, again, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_F(ChatTest, OutgrowingTheContextIsAnErrorWithTheNumbers) {
  // Room for the prefix, the builder's question reserve (256) and one answer, and no more.
  auto probe = make_session();
  auto probe_chat = ChatSession::start(*db_, snapshots(), *probe, request(), {});
  ASSERT_TRUE(probe_chat.ok());
  auto r = (*probe_chat)->turn("Who?", {});
  ASSERT_TRUE(r.ok());
  const int64_t n_ctx = r->prefix_tokens + 256 + 6;

  auto session = make_session(n_ctx);
  auto chat = ChatSession::start(*db_, snapshots(), *session, request(), {});
  ASSERT_TRUE(chat.ok());
  ASSERT_TRUE((*chat)->turn("Who?", {}).ok());
  std::string long_question;
  for (int i = 0; i < 120; ++i) long_question += "storm lamp ";
  const int64_t held = session->n_tokens();
  auto over = (*chat)->turn(long_question, {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::context_overflow);
  EXPECT_NE(over.error().message.find("turn 2"), std::string::npos) << over.error().message;
  EXPECT_NE(over.error().message.find(std::to_string(n_ctx)), std::string::npos)
      << over.error().message;
  EXPECT_NE(over.error().message.find("--ctx"), std::string::npos);
  EXPECT_EQ(session->n_tokens(), held);  // nothing was prefilled
  EXPECT_TRUE((*chat)->turn("Why?", {}).ok());  // a shorter question still fits
}

TEST_F(ChatTest, StopEndsTheAnswerDuringDecodeAndCancelsDuringPrefill) {
  auto session = make_session();
  auto chat = ChatSession::start(*db_, snapshots(), *session, request(), {});
  ASSERT_TRUE(chat.ok());
  std::stop_source stop;
  AskCallbacks callbacks;
  callbacks.on_text = [&](std::string_view) { stop.request_stop(); };
  auto stopped = (*chat)->turn("Who kept the lighthouse?", stop.get_token(), callbacks);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(stopped->stop_reason, "stopped");
  auto report = SpanReportRepo(*db_).find_for_message(stopped->message_id);
  ASSERT_TRUE(report.ok() && report->has_value());
  EXPECT_EQ(nlohmann::json::parse((*report)->report_json).at("stop_reason"), "stopped");

  std::stop_source cancel;
  cancel.request_stop();
  auto cancelled = (*chat)->turn("And then?", cancel.get_token());
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, Errc::cancelled);
  auto after = (*chat)->turn("And then?", {});
  ASSERT_FALSE(after.ok());  // the context is partial: resume instead
  EXPECT_NE(after.error().message.find("--session"), std::string::npos);
  auto messages = SessionRepo(*db_).messages(stopped->session_id);
  ASSERT_TRUE(messages.ok());
  EXPECT_EQ(messages->size(), 2u);  // the cancelled turn stored nothing
}

}  // namespace
}  // namespace quire::app
