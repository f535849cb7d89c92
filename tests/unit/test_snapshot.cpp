// Snapshots: a restored session continues bit-identically (logits and sampled tokens); another
// model or KV setting is refused with a message; every damaged or truncated file is refused and
// leaves the session as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/runtime/snapshot.h"
#include "kernels/kv_codec.h"
#include "session_fixture.h"

namespace quire::engine::testing {
namespace {

using Snapshot = SessionTest;

std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& p, const std::vector<char>& bytes, size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(n));
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

TEST_F(Snapshot, RestoredSessionContinuesWithIdenticalLogits) {
  for (const kern::KvType type : {kern::KvType::f16, kern::KvType::q8_0, kern::KvType::f32}) {
    SessionConfig config = greedy();
    config.kv_type = type;
    auto a = make_session(config);
    const auto first = prompt(21, 1), second = prompt(7, 2);
    ASSERT_TRUE(a->prefill(first).ok());
    const auto path = dir_ / "roundtrip.qsnap";
    auto saved = save_snapshot(*a, path);
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));
    EXPECT_EQ(saved->n_tokens, first.size());
    EXPECT_EQ(saved->token_prefix_hash, token_prefix_hash(first));
    EXPECT_EQ(saved->file_bytes, std::filesystem::file_size(path));

    auto b = make_session(config);
    auto loaded = load_snapshot(*b, path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(b->tokens(), a->tokens());
    EXPECT_TRUE(same_bits(b->logits(), a->logits()));

    ASSERT_TRUE(a->prefill(second).ok());
    ASSERT_TRUE(b->prefill(second).ok());
    EXPECT_TRUE(same_bits(b->logits(), a->logits())) << kern::kv_type_name(type);
    // Greedy continuation, token by token, stays identical.
    for (int i = 0; i < 5; ++i) {
      auto ta = a->sample(), tb = b->sample();
      ASSERT_TRUE(ta.ok() && tb.ok());
      ASSERT_EQ(*ta, *tb);
      ASSERT_TRUE(a->prefill(std::vector<int32_t>{*ta}).ok());
      ASSERT_TRUE(b->prefill(std::vector<int32_t>{*tb}).ok());
      ASSERT_TRUE(same_bits(b->logits(), a->logits()));
    }
  }
}

TEST_F(Snapshot, SamplerStateIsRestored) {
  SessionConfig config = greedy();
  config.sampler.temperature = 1.5f;
  config.sampler.top_k = 0;
  config.sampler.top_p = 1.0f;
  config.sampler.min_p = 0.0f;
  config.sampler.seed = 99;
  auto a = make_session(config);
  ASSERT_TRUE(a->prefill(prompt(9, 3)).ok());
  for (int i = 0; i < 4; ++i) {  // advance the RNG before saving
    auto t = a->sample();
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(a->prefill(std::vector<int32_t>{*t}).ok());
  }
  const auto path = dir_ / "sampler.qsnap";
  ASSERT_TRUE(save_snapshot(*a, path).ok());
  const std::vector<int32_t> history = a->tokens();
  auto b = make_session(config);
  ASSERT_TRUE(load_snapshot(*b, path).ok());
  // c has the same tokens but a sampler at its seed: it shows that the RNG state mattered.
  auto c = make_session(config);
  ASSERT_TRUE(c->prefill(history).ok());
  const auto draw = [](Session& s) {
    std::vector<int32_t> drawn;
    for (int i = 0; i < 12; ++i) {
      auto t = s.sample();
      EXPECT_TRUE(t.ok());
      if (!t.ok()) break;
      drawn.push_back(*t);
      EXPECT_TRUE(s.prefill(std::vector<int32_t>{*t}).ok());
    }
    return drawn;
  };
  const auto drawn_a = draw(*a);
  EXPECT_EQ(draw(*b), drawn_a);
  EXPECT_NE(draw(*c), drawn_a);
}

TEST_F(Snapshot, OtherModelIsRefused) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(5, 4)).ok());
  const auto path = dir_ / "model.qsnap";
  ASSERT_TRUE(save_snapshot(*a, path).ok());
  auto b = make_session(greedy(), /*other_model=*/true);
  ASSERT_TRUE(b->prefill(prompt(3, 5)).ok());
  auto loaded = load_snapshot(*b, path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::mismatch);
  EXPECT_NE(loaded.error().message.find("snapshot was made with model " +
                                        model_->fingerprint() + ", this is model " +
                                        other_model_->fingerprint()),
            std::string::npos)
      << loaded.error().message;
  EXPECT_NE(loaded.error().message.find("prefill will be redone"), std::string::npos);
  EXPECT_EQ(b->n_tokens(), 3);  // untouched
}

TEST_F(Snapshot, OtherKvSettingIsRefused) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(5, 6)).ok());
  const auto path = dir_ / "config.qsnap";
  ASSERT_TRUE(save_snapshot(*a, path).ok());
  SessionConfig q8 = greedy();
  q8.kv_type = kern::KvType::q8_0;
  auto b = make_session(q8);
  auto loaded = load_snapshot(*b, path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::mismatch);
  EXPECT_NE(loaded.error().message.find("'kv_type=f16', this session uses 'kv_type=q8_0'"),
            std::string::npos)
      << loaded.error().message;
  // A smaller context that cannot hold the tokens is refused too; a larger one is fine.
  SessionConfig small = greedy();
  small.n_ctx = 4;
  EXPECT_EQ(load_snapshot(*make_session(small), path).error().code, Errc::context_overflow);
  SessionConfig large = greedy();
  large.n_ctx = 200;
  EXPECT_TRUE(load_snapshot(*make_session(large), path).ok());
}

TEST_F(Snapshot, ConfigFingerprintListsKvState) {
  SessionConfig c = greedy();
  c.kv_type = kern::KvType::q8_0;
  EXPECT_EQ(config_fingerprint(c), "kv_type=q8_0");
  SessionConfig d = c;
  d.n_ctx = 1000;  // capacity, threads and sampling do not change the KV state
  d.n_threads = 1;
  d.sampler.temperature = 2.0f;
  EXPECT_EQ(config_fingerprint(d), config_fingerprint(c));
}

TEST_F(Snapshot, SessionWithoutLogitsAfterCancelRoundTrips) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(5, 10)).ok());
  std::stop_source stop;
  stop.request_stop();
  ASSERT_EQ(a->prefill(prompt(3, 11), stop.get_token()).error().code, Errc::cancelled);
  ASSERT_TRUE(a->logits().empty());
  const auto path = dir_ / "cancelled.qsnap";
  ASSERT_TRUE(save_snapshot(*a, path).ok());
  auto b = make_session();
  auto loaded = load_snapshot(*b, path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(b->tokens(), a->tokens());
  EXPECT_TRUE(b->logits().empty());
  const auto more = prompt(4, 12);
  ASSERT_TRUE(a->prefill(more).ok());
  ASSERT_TRUE(b->prefill(more).ok());
  EXPECT_TRUE(same_bits(b->logits(), a->logits()));
}

TEST_F(Snapshot, RestoreRefusesStateThatDisagrees) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(5, 13)).ok());
  std::vector<int32_t> fewer = a->tokens();
  fewer.pop_back();
  auto r = a->restore(fewer, a->logits(), a->sampler().save_state());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(a->n_tokens(), 0);  // cleared, never half-restored
  EXPECT_EQ(a->cache().size(), 0);
}

TEST_F(Snapshot, EveryDamagedOrTruncatedFileIsRefused) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(6, 7)).ok());
  const auto good = dir_ / "good.qsnap";
  auto saved = save_snapshot(*a, good);
  ASSERT_TRUE(saved.ok());
  const std::vector<char> bytes = read_bytes(good);
  const size_t header = bytes.size() - saved->payload_bytes;
  ASSERT_GT(header, 60u);

  auto b = make_session();
  ASSERT_TRUE(b->prefill(prompt(2, 8)).ok());
  const std::vector<float> logits_before = b->logits();
  const auto bad = dir_ / "bad.qsnap";
  const auto expect_refused = [&](const std::string& what) {
    auto loaded = load_snapshot(*b, bad);
    ASSERT_FALSE(loaded.ok()) << what;
    // The version field (bytes 8..11) may read as another format version.
    EXPECT_TRUE(loaded.error().code == Errc::corrupt_data ||
                loaded.error().code == Errc::unsupported)
        << what << ": " << loaded.error().describe();
    ASSERT_EQ(b->n_tokens(), 2) << what;
    ASSERT_TRUE(same_bits(b->logits(), logits_before)) << what;
  };
  for (size_t i = 0; i < bytes.size(); i += i < header ? 1 : 13) {
    std::vector<char> flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    write_bytes(bad, flipped, flipped.size());
    expect_refused("flip at byte " + std::to_string(i));
  }
  for (size_t n = 0; n < bytes.size(); n += n < header + 16 ? 1 : 97) {
    write_bytes(bad, bytes, n);
    expect_refused("truncated to " + std::to_string(n));
  }
  std::vector<char> longer = bytes;
  longer.push_back('\0');
  write_bytes(bad, longer, longer.size());
  expect_refused("a byte appended");
  write_bytes(bad, bytes, bytes.size());
  EXPECT_TRUE(load_snapshot(*b, bad).ok());  // the undamaged bytes still load
}

TEST_F(Snapshot, InfoReadsTheHeaderAndSaveReportsIoErrors) {
  auto a = make_session();
  ASSERT_TRUE(a->prefill(prompt(4, 9)).ok());
  const auto path = dir_ / "info.qsnap";
  auto saved = save_snapshot(*a, path);
  ASSERT_TRUE(saved.ok());
  auto info = read_snapshot_info(path);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->model_fingerprint, model_->fingerprint());
  EXPECT_EQ(info->config_fingerprint, "kv_type=f16");
  EXPECT_EQ(info->n_tokens, 4u);
  EXPECT_EQ(info->payload_checksum, saved->payload_checksum);
  auto missing_dir = save_snapshot(*a, dir_ / "no_such_dir" / "x.qsnap");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_NE(missing_dir.error().message.find("no_such_dir"), std::string::npos);
  EXPECT_EQ(read_snapshot_info(dir_ / "absent.qsnap").error().code, Errc::not_found);
}

}  // namespace
}  // namespace quire::engine::testing
