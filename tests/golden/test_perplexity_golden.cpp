// engine::perplexity (the code behind `quire-cli perplexity`) against perplexity_ref.py: the
// float64 numpy forward pass of llama_ref.py with llama.cpp's windowing, on the same synthetic
// F32 model and the same tokens.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/model/model.h"
#include "engine/model/synthetic_model.h"
#include "engine/runtime/perplexity.h"
#include "tests/golden/golden_runner.h"

namespace quire::engine {
namespace {

TEST(PerplexityGolden, MatchesNumpyReference) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("quire_ppl_golden_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto shape = synthetic_shape("tiny");
  ASSERT_TRUE(shape.ok());
  SyntheticSpec spec;
  spec.shape = *shape;
  spec.seed = 3;
  const auto model_path = dir / "tiny.gguf";
  ASSERT_TRUE(write_synthetic_llama(model_path, spec).ok());
  auto model = Model::load(model_path);
  ASSERT_TRUE(model.ok()) << model.error().message;

  // 3 whole windows of 24 plus a tail of 10 that must not be scored.
  std::mt19937 rng(17);
  std::uniform_int_distribution<int32_t> pick(3, int32_t((*model)->config().n_vocab) - 1);
  std::vector<int32_t> tokens(82);
  for (auto& t : tokens) t = pick(rng);
  const int64_t window = 24;
  const int32_t bos = (*model)->tokenizer().bos();
  const auto tokens_path = dir / "tokens.txt";
  {
    std::ofstream out(tokens_path);
    for (int32_t t : tokens) out << t << ' ';
  }

  SessionConfig config;
  config.n_ctx = window;
  config.n_threads = 2;
  config.kv_type = kern::KvType::f32;
  auto session = Session::create(*model, config);
  ASSERT_TRUE(session.ok());
  std::vector<double> running;
  auto result = perplexity(**session, tokens, window, bos, {},
                           [&](const PerplexityProgress& p) { running.push_back(p.ppl); });
  ASSERT_TRUE(result.ok()) << result.error().message;

  const golden::Arrays ref =
      golden::run_golden("perplexity_ref.py", model_path.string() + " " + tokens_path.string() +
                                                  " " + std::to_string(window) + " " +
                                                  std::to_string(bos));
  ASSERT_EQ(ref.count("ppl"), 1u);
  EXPECT_EQ(result->n_windows, 3);
  EXPECT_EQ(double(result->n_scored), ref.at("count").at(0));
  EXPECT_EQ(result->n_scored, 3 * (window - 1 - window / 2));
  EXPECT_NEAR(result->ppl, ref.at("ppl")[0], 1e-4 * ref.at("ppl")[0]);
  ASSERT_EQ(running.size(), ref.at("running").size());
  for (size_t i = 0; i < running.size(); ++i) {
    EXPECT_NEAR(running[i], ref.at("running")[i], 1e-4 * ref.at("running")[i]) << i;
  }
  // A random model is far from the uniform guess but not absurd.
  EXPECT_GT(result->ppl, 1.0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace quire::engine
