// Attention modes through Session and snapshots (engine/runtime/session.h, snapshot.h) and the
// dims rules of attention_config.h: --tensor-extend, user dims, fingerprints; tensorized with one
// dim equals full; decode equals prefill through the session in tensorized and hybrid modes;
// snapshots round-trip the tensorized states (identical logits after continuing) and are refused
// across modes.
#include <gtest/gtest.h>

// Header-only XXH3 to rewrite a snapshot as version 1 (the engine links libxxhash privately).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>

#include "engine/gguf/gguf_writer.h"
#include "engine/runtime/snapshot.h"
#include "session_fixture.h"

namespace quire::engine::testing {
namespace {

// Logits are O(1..10); float32 sums in other orders differ by ~1e-5, a wrong mask, position or
// lost state by far more than 1e-3.
constexpr float kTol = 1e-3f;

float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float d = 0.0f;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

gguf::File file_with_dims(std::string dims) {
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::str("llama"));
  if (!dims.empty()) w.set(kTensorizedDimsKey, gguf::Value::str(std::move(dims)));
  const auto bytes = w.to_bytes();
  auto f = gguf::File::parse(bytes, "m.gguf");
  EXPECT_TRUE(f) << (f ? "" : f.error().message);
  return std::move(*f);
}

TEST(AttentionConfig, ExtendPrependsACoarserDimOrGrowsTheCoarsest) {
  const kern::TensorDims trained{{8, 16}};  // P = 128
  auto same = extend_dims(trained, 128, TensorExtend::prepend);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, trained);
  auto pre = extend_dims(trained, 129, TensorExtend::prepend);  // ceil(129 / 128) = 2
  ASSERT_TRUE(pre);
  EXPECT_EQ(*pre, (kern::TensorDims{{2, 8, 16}}));
  pre = extend_dims(trained, 1000, TensorExtend::prepend);  // ceil(1000 / 128) = 8
  ASSERT_TRUE(pre);
  EXPECT_EQ(*pre, (kern::TensorDims{{8, 8, 16}}));
  auto grow = extend_dims(trained, 1000, TensorExtend::grow);  // n_1 = ceil(1000 / 16) = 63
  ASSERT_TRUE(grow);
  EXPECT_EQ(*grow, (kern::TensorDims{{63, 16}}));
  EXPECT_GE(grow->capacity(), 1000);
  EXPECT_LT(grow->capacity() - 16, 1000);  // the smallest n_1 that holds the context
  const kern::TensorDims eight{{2, 2, 2, 2, 2, 2, 2, 2}};
  auto too_deep = extend_dims(eight, 300, TensorExtend::prepend);
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().code, Errc::context_overflow);
  auto grown = extend_dims(eight, 300, TensorExtend::grow);  // n_1 = ceil(300 / 128) = 3
  ASSERT_TRUE(grown);
  EXPECT_EQ(grown->n.front(), 3);
}

TEST(AttentionConfig, ResolveTakesUserDimsThenTrainedThenTheDefaultRule) {
  AttentionConfig c;
  c.mode = AttentionMode::tensorized;
  auto d = resolve_dims(c, file_with_dims(""), 5000);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, kern::default_dims(5000));
  d = resolve_dims(c, file_with_dims("4x32"), 100);  // fits: the trained dims as they are
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (kern::TensorDims{{4, 32}}));
  d = resolve_dims(c, file_with_dims("4x32"), 300);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (kern::TensorDims{{3, 4, 32}}));
  c.extend = TensorExtend::grow;
  d = resolve_dims(c, file_with_dims("4x32"), 300);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (kern::TensorDims{{10, 32}}));
  c.dims = kern::TensorDims{{2, 64}};  // the user's dims win over the trained ones
  d = resolve_dims(c, file_with_dims("4x32"), 100);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (kern::TensorDims{{2, 64}}));
  d = resolve_dims(c, file_with_dims(""), 129);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::context_overflow);
  EXPECT_NE(d.error().message.find("2x64"), std::string::npos) << d.error().message;
  c.dims = {};
  d = resolve_dims(c, file_with_dims("4x0"), 10);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::corrupt_data);
}

TEST(AttentionConfig, NamesRoundTrip) {
  for (auto m : {AttentionMode::full, AttentionMode::tensorized, AttentionMode::hybrid}) {
    AttentionMode back = AttentionMode::full;
    EXPECT_TRUE(parse_attention_mode(attention_mode_name(m), back));
    EXPECT_EQ(back, m);
  }
  kern::TensorVariant v = kern::TensorVariant::complete;
  EXPECT_TRUE(parse_tensor_variant("cone", v));
  EXPECT_EQ(v, kern::TensorVariant::cone);
  kern::TensorRope r = kern::TensorRope::local;
  EXPECT_TRUE(parse_tensor_rope("global", r));
  EXPECT_EQ(r, kern::TensorRope::global);
  TensorExtend e = TensorExtend::prepend;
  EXPECT_TRUE(parse_tensor_extend("grow", e));
  EXPECT_EQ(e, TensorExtend::grow);
  AttentionMode unchanged = AttentionMode::hybrid;
  EXPECT_FALSE(parse_attention_mode("exact", unchanged));
  EXPECT_EQ(unchanged, AttentionMode::hybrid);
}

class AttentionModes : public SessionTest {
 protected:
  static SessionConfig with(AttentionMode mode, kern::TensorDims dims = {},
                            kern::TensorVariant variant = kern::TensorVariant::complete) {
    SessionConfig c = greedy();
    c.kv_type = kern::KvType::f32;
    c.attention.mode = mode;
    c.attention.dims = std::move(dims);
    c.attention.variant = variant;
    return c;
  }
  // All logits of `tokens` evaluated in one call on a fresh session.
  static std::vector<float> evaluated(const SessionConfig& c, const std::vector<int32_t>& tokens) {
    auto s = make_session(c);
    std::vector<float> out;
    auto ok = s->evaluate(tokens, out);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    return out;
  }
  // The logits after each of tokens[split..] when tokens[..split) are prefilled in one call,
  // the document prefill ends there, and the rest come one at a time.
  static std::vector<float> decoded(Session& s, const std::vector<int32_t>& tokens,
                                    size_t split) {
    const std::span<const int32_t> all(tokens);
    EXPECT_TRUE(s.prefill(all.first(split)));
    s.end_document_prefill();
    std::vector<float> out;
    for (size_t i = split; i < tokens.size(); ++i) {
      auto ok = s.prefill(all.subspan(i, 1));
      EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
      out.insert(out.end(), s.logits().begin(), s.logits().end());
    }
    return out;
  }
  static std::vector<float> rows_from(const std::vector<float>& all, size_t first) {
    const auto n_vocab = static_cast<size_t>(model_->config().n_vocab);
    return std::vector<float>(all.begin() + static_cast<std::ptrdiff_t>(first * n_vocab),
                              all.end());
  }
};

TEST_F(AttentionModes, FingerprintNamesModeDimsVariantAndRope) {
  EXPECT_EQ(config_fingerprint(with(AttentionMode::full)), "kv_type=f32");
  auto s = make_session(with(AttentionMode::hybrid, {}, kern::TensorVariant::cone));
  ASSERT_TRUE(s);
  // Session::create resolved the default dims for n_ctx 96: d = 1 of 128.
  EXPECT_EQ(config_fingerprint(s->config()),
            "kv_type=f32;attention=hybrid;tensor_dims=128;tensor_variant=cone;tensor_rope=local");
  SessionConfig c = with(AttentionMode::tensorized, kern::TensorDims{{4, 32}});
  c.attention.rope_kind = kern::TensorRope::global;
  EXPECT_EQ(config_fingerprint(c),
            "kv_type=f32;attention=tensorized;tensor_dims=4x32;tensor_variant=complete;"
            "tensor_rope=global");
  c.attention.dims = kern::TensorDims{{2, 8}};  // holds 16 < n_ctx 96
  auto refused = Session::create(model_, c);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::context_overflow);
}

TEST_F(AttentionModes, TensorizedWithOneDimEqualsFull) {
  const auto tokens = prompt(40, 3);
  const auto full = evaluated(with(AttentionMode::full), tokens);
  for (auto mode : {AttentionMode::tensorized, AttentionMode::hybrid}) {
    for (auto v : {kern::TensorVariant::complete, kern::TensorVariant::cone}) {
      EXPECT_LT(max_diff(evaluated(with(mode, kern::TensorDims{{96}}, v), tokens), full), kTol);
    }
  }
  // A real folding is not full attention: the comparison above can fail.
  EXPECT_GT(max_diff(evaluated(with(AttentionMode::tensorized, kern::TensorDims{{12, 8}}),
                               tokens),
                     full),
            kTol);
}

TEST_F(AttentionModes, DecodeEqualsPrefillThroughTheSession) {
  const auto tokens = prompt(50, 4);
  for (auto v : {kern::TensorVariant::complete, kern::TensorVariant::cone}) {
    const SessionConfig c = with(AttentionMode::tensorized, kern::TensorDims{{3, 4, 8}}, v);
    const auto all = evaluated(c, tokens);
    auto s = make_session(c);
    EXPECT_LT(max_diff(decoded(*s, tokens, 21), rows_from(all, 21)), kTol);
  }
  // hybrid: 30 document tokens tensorized, then exact; the same whether the rest comes one at a
  // time or in one evaluate, and not what tensorized or full attention give.
  const SessionConfig h = with(AttentionMode::hybrid, kern::TensorDims{{12, 8}});
  auto s = make_session(h);
  const std::span<const int32_t> all(tokens);
  ASSERT_TRUE(s->prefill(all.first(30)));
  s->end_document_prefill();
  EXPECT_TRUE(s->forward().tensorized_states().empty());
  std::vector<float> rest;
  ASSERT_TRUE(s->evaluate(all.subspan(30), rest));
  auto one_by_one = make_session(h);
  EXPECT_LT(max_diff(decoded(*one_by_one, tokens, 30), rest), kTol);
  const auto tensorized = evaluated(with(AttentionMode::tensorized, kern::TensorDims{{12, 8}}),
                                    tokens);
  EXPECT_GT(max_diff(rows_from(tensorized, 30), rest), kTol);
  // clear() starts a new document: the same prefill again gives the same logits.
  s->clear();
  EXPECT_LT(max_diff(decoded(*s, tokens, 30), rest), kTol);
}

TEST_F(AttentionModes, SnapshotRoundTripKeepsTheTensorizedStates) {
  const auto tokens = prompt(40, 5);
  const std::span<const int32_t> all(tokens);
  struct Case {
    AttentionMode mode;
    bool end_prefill;
  };
  for (const Case k : {Case{AttentionMode::tensorized, false}, Case{AttentionMode::hybrid, false},
                       Case{AttentionMode::hybrid, true}}) {
    const SessionConfig c = with(k.mode, kern::TensorDims{{3, 4, 8}});
    auto a = make_session(c);
    ASSERT_TRUE(a->prefill(all.first(25)));
    if (k.end_prefill) a->end_document_prefill();
    const auto path = dir_ / "modes.qsnap";
    auto saved = save_snapshot(*a, path);
    ASSERT_TRUE(saved) << saved.error().message;
    EXPECT_EQ(saved->version, kSnapshotVersion);

    auto b = make_session(c);
    auto loaded = load_snapshot(*b, path);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(same_bits(a->logits(), b->logits()));
    EXPECT_EQ(b->forward().tensorized_prefill_ended(), k.end_prefill);
    EXPECT_EQ(b->forward().tensorized_states().size(), a->forward().tensorized_states().size());
    // Continuing both gives identical logits (the states were restored, not rebuilt).
    std::vector<float> la, lb;
    ASSERT_TRUE(a->evaluate(all.subspan(25), la));
    ASSERT_TRUE(b->evaluate(all.subspan(25), lb));
    EXPECT_TRUE(same_bits(la, lb)) << attention_mode_name(k.mode) << " " << k.end_prefill;
  }
}

TEST_F(AttentionModes, SnapshotIsRefusedAcrossModes) {
  const auto tokens = prompt(20, 6);
  const SessionConfig configs[] = {with(AttentionMode::full),
                                   with(AttentionMode::tensorized, kern::TensorDims{{3, 4, 8}}),
                                   with(AttentionMode::hybrid, kern::TensorDims{{3, 4, 8}}),
                                   with(AttentionMode::tensorized, kern::TensorDims{{12, 8}}),
                                   with(AttentionMode::tensorized, kern::TensorDims{{3, 4, 8}},
                                        kern::TensorVariant::cone)};
  for (size_t i = 0; i < std::size(configs); ++i) {
    auto a = make_session(configs[i]);
    ASSERT_TRUE(a->prefill(tokens));
    const auto path = dir_ / "across.qsnap";
    ASSERT_TRUE(save_snapshot(*a, path));
    for (size_t j = 0; j < std::size(configs); ++j) {
      auto b = make_session(configs[j]);
      ASSERT_TRUE(b->prefill(prompt(3, 7)));
      const std::vector<float> before = b->logits();
      auto loaded = load_snapshot(*b, path);
      if (i == j) {
        EXPECT_TRUE(loaded) << i;
        continue;
      }
      ASSERT_FALSE(loaded) << i << " into " << j;
      EXPECT_EQ(loaded.error().code, Errc::mismatch);
      EXPECT_EQ(b->n_tokens(), 3);  // unchanged
      EXPECT_TRUE(same_bits(b->logits(), before));
    }
  }
}

// A version-1 file (version 2 without the attention stream) is still read in full mode, and
// refused as a mismatch by a tensorized session.
TEST_F(AttentionModes, VersionOneSnapshotIsStillReadInFullMode) {
  auto a = make_session(with(AttentionMode::full));
  ASSERT_TRUE(a->prefill(prompt(12, 8)));
  const auto v2 = dir_ / "v2.qsnap";
  auto saved = save_snapshot(*a, v2);
  ASSERT_TRUE(saved);
  std::ifstream in(v2, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  const size_t header = bytes.size() - saved->payload_bytes;
  // Full mode's attention stream: no prefill boundary, no states (u8 0, u32 0).
  ASSERT_TRUE(std::all_of(bytes.end() - 5, bytes.end(), [](uint8_t b) { return b == 0; }));
  bytes.resize(bytes.size() - 5);
  auto put = [&](size_t at, uint64_t v, int n) {
    for (int k = 0; k < n; ++k) bytes[at + size_t(k)] = uint8_t(v >> (8 * k));
  };
  put(8, 1, 4);  // version
  put(32, saved->payload_bytes - 5, 8);
  put(40, XXH3_64bits(bytes.data() + header, bytes.size() - header), 8);
  put(header - 8, XXH3_64bits(bytes.data(), header - 8), 8);
  const auto v1 = dir_ / "v1.qsnap";
  std::ofstream(v1, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));

  auto b = make_session(with(AttentionMode::full));
  auto loaded = load_snapshot(*b, v1);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->version, 1u);
  EXPECT_TRUE(same_bits(a->logits(), b->logits()));
  auto t = make_session(with(AttentionMode::tensorized, kern::TensorDims{{12, 8}}));
  loaded = load_snapshot(*t, v1);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::mismatch);
}

}  // namespace
}  // namespace quire::engine::testing
