#include "session_fixture.h"

#include <unistd.h>

#include <random>

namespace quire::engine::testing {

std::filesystem::path SessionTest::dir_;
std::shared_ptr<const Model> SessionTest::model_;
std::shared_ptr<const Model> SessionTest::other_model_;

void SessionTest::SetUpTestSuite() {
  if (model_) return;
  dir_ = std::filesystem::temp_directory_path() /
         ("quire_session_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir_);
  for (const bool tied : {false, true}) {
    auto shape = synthetic_shape("tiny");
    ASSERT_TRUE(shape.ok()) << shape.error().message;
    SyntheticSpec spec;
    spec.shape = *shape;
    spec.seed = 11;
    spec.tied_output = tied;
    const auto path = dir_ / (tied ? "tied.gguf" : "tiny.gguf");
    auto written = write_synthetic_llama(path, spec);
    ASSERT_TRUE(written.ok()) << written.error().message;
    auto model = Model::load(path);
    ASSERT_TRUE(model.ok()) << model.error().message;
    (tied ? other_model_ : model_) = std::move(*model);
  }
}

void SessionTest::TearDownTestSuite() {
  model_.reset();
  other_model_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

SessionConfig SessionTest::greedy() {
  SessionConfig c;
  c.n_ctx = 96;
  c.n_threads = 2;
  c.sampler.temperature = 0.0f;
  return c;
}

std::unique_ptr<Session> SessionTest::make_session(SessionConfig config, bool other_model) {
  auto s = Session::create(other_model ? other_model_ : model_, config);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

std::vector<int32_t> SessionTest::prompt(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> pick(3, int32_t(model_->config().n_vocab) - 1);
  std::vector<int32_t> out(static_cast<size_t>(n));
  for (auto& t : out) t = pick(rng);
  return out;
}

}  // namespace quire::engine::testing
