// Session prefill (progress, cancellation, context limits) and generate (stop reasons, token
// accounting, UTF-8-safe streaming).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runtime/generate.h"
#include "session_fixture.h"

namespace quire::engine::testing {
namespace {

using Generate = SessionTest;

// Independent UTF-8 validity check (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

TEST_F(Generate, ValidatorRejectsBrokenUtf8) {
  EXPECT_TRUE(valid_utf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC3"));
  EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));
  EXPECT_FALSE(valid_utf8("\x80"));
}

TEST_F(Generate, PrefillReportsProgressAndKeepsTokensWithCache) {
  auto s = make_session();
  std::vector<ProgressUpdate> updates;
  const auto p = prompt(30, 1);
  ASSERT_TRUE(s->prefill(p, {}, [&](const ProgressUpdate& u) { updates.push_back(u); }).ok());
  ASSERT_FALSE(updates.empty());
  EXPECT_TRUE(updates.back().finished);
  EXPECT_EQ(updates.back().done, 30);
  EXPECT_EQ(updates.back().total, 30);
  EXPECT_EQ(updates.back().stage, "prefill");
  EXPECT_EQ(s->tokens(), p);
  EXPECT_EQ(s->cache().size(), 30);
  EXPECT_EQ(s->logits().size(), size_t(model_->config().n_vocab));

  std::stop_source stop;
  stop.request_stop();
  auto cancelled = s->prefill(prompt(5, 2), stop.get_token());
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, Errc::cancelled);
  EXPECT_EQ(s->n_tokens(), s->cache().size());
  EXPECT_TRUE(s->logits().empty());
  EXPECT_EQ(s->sample().error().code, Errc::invalid_argument);

  auto overflow = s->prefill(prompt(int(s->n_free()) + 1, 3));
  EXPECT_EQ(overflow.error().code, Errc::context_overflow);
  EXPECT_EQ(s->n_tokens(), s->cache().size());
  std::vector<int32_t> bad = {int32_t(model_->config().n_vocab)};
  EXPECT_EQ(s->prefill(bad).error().code, Errc::invalid_argument);
}

TEST_F(Generate, StopsAtMaxTokensAndAppendsWhatItShows) {
  auto s = make_session();
  GenerateRequest req;
  req.prompt = prompt(8, 4);
  req.max_tokens = 6;
  req.stop_at_eog = false;
  std::vector<int32_t> shown;
  auto stats = generate(*s, req, {}, [&](int32_t t, std::string_view) {
    if (t >= 0) shown.push_back(t);
    return true;
  });
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->reason, StopReason::max_tokens);
  EXPECT_EQ(stats->n_prompt, 8);
  EXPECT_EQ(stats->n_generated, 6);
  ASSERT_EQ(shown.size(), 6u);
  std::vector<int32_t> expected = req.prompt;
  expected.insert(expected.end(), shown.begin(), shown.end());
  EXPECT_EQ(s->tokens(), expected);
  // Greedy: each shown token is the arg max of a fresh session's logits over the same prefix.
  auto check = make_session();
  ASSERT_TRUE(check->prefill(req.prompt).ok());
  for (int32_t t : shown) {
    const auto& l = check->logits();
    EXPECT_EQ(std::max_element(l.begin(), l.end()) - l.begin(), t);
    ASSERT_TRUE(check->prefill(std::vector<int32_t>{t}).ok());
  }
}

TEST_F(Generate, StopsAtEndOfGeneration) {
  auto s = make_session();
  ASSERT_TRUE(s->prefill(prompt(5, 5)).ok());
  // Make EOS the arg max of the current logits; greedy sampling must pick it and stop.
  std::vector<float> logits = s->logits();
  const int32_t eos = model_->tokenizer().eos();
  ASSERT_TRUE(model_->tokenizer().is_eog(eos));
  logits[size_t(eos)] = 1e4f;
  ASSERT_TRUE(s->restore(s->tokens(), logits, s->sampler().save_state()).ok());
  int calls = 0;
  GenerateRequest req;
  req.max_tokens = 10;
  auto stats = generate(*s, req, {}, [&](int32_t, std::string_view) { return ++calls > 0; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->reason, StopReason::eog);
  EXPECT_EQ(stats->n_generated, 0);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(s->n_tokens(), 5);  // the EOG token is not appended
  EXPECT_EQ(stop_reason_name(stats->reason), "eog");
}

TEST_F(Generate, StopsOnStopTokenSinkAndFullContext) {
  auto s = make_session();
  GenerateRequest req;
  req.prompt = prompt(4, 6);
  req.max_tokens = 50;
  req.stop_at_eog = false;
  std::stop_source stop;
  int n = 0;
  auto cancelled = generate(*s, req, stop.get_token(), [&](int32_t t, std::string_view) {
    if (t >= 0 && ++n == 3) stop.request_stop();
    return true;
  });
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, Errc::cancelled);
  EXPECT_EQ(s->n_tokens(), 4 + 3);

  auto t = make_session();
  int m = 0;
  auto by_sink = generate(*t, req, {}, [&](int32_t id, std::string_view) {
    return !(id >= 0 && ++m == 2);
  });
  ASSERT_TRUE(by_sink.ok());
  EXPECT_EQ(by_sink->reason, StopReason::sink);
  EXPECT_EQ(by_sink->n_generated, 2);

  SessionConfig small = greedy();
  small.n_ctx = 7;
  auto u = make_session(small);
  auto full = generate(*u, req, {}, [](int32_t, std::string_view) { return true; });
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->reason, StopReason::context_full);
  EXPECT_EQ(full->n_generated, 3);

  GenerateRequest too_long;
  too_long.prompt = prompt(8, 7);
  auto v = make_session(small);
  EXPECT_EQ(generate(*v, too_long, {}, [](int32_t, std::string_view) { return true; })
                .error()
                .code,
            Errc::context_overflow);
  EXPECT_EQ(v->n_tokens(), 0);
}

TEST_F(Generate, StreamedPiecesAreWholeUtf8Characters) {
  // A hot sampler over a vocabulary of byte tokens produces bytes that split characters.
  SessionConfig hot = greedy();
  hot.n_ctx = 400;
  hot.sampler.temperature = 3.0f;
  hot.sampler.top_k = 0;
  hot.sampler.top_p = 1.0f;
  hot.sampler.min_p = 0.0f;
  hot.sampler.seed = 5;
  auto s = make_session(hot);
  GenerateRequest req;
  req.prompt = prompt(4, 8);
  req.max_tokens = 300;
  req.stop_at_eog = false;
  std::string all;
  std::vector<int32_t> ids;
  int high_bytes = 0;
  auto stats = generate(*s, req, {}, [&](int32_t id, std::string_view text) {
    EXPECT_TRUE(valid_utf8(text)) << "piece after token " << id;
    all += text;
    if (id >= 0) ids.push_back(id);
    return true;
  });
  ASSERT_TRUE(stats.ok());
  for (int32_t id : ids) {
    const std::string piece = model_->tokenizer().token_to_piece(id);
    if (piece.size() == 1 && static_cast<unsigned char>(piece[0]) >= 0x80) ++high_bytes;
  }
  EXPECT_GT(high_bytes, 10) << "the test needs byte tokens that split characters";
  EXPECT_TRUE(valid_utf8(all));
}

}  // namespace
}  // namespace quire::engine::testing
