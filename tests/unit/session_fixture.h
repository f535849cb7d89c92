// Shared setup for the Session / snapshot / generate tests: small synthetic models written once
// per test binary into a temporary folder (engine/model/synthetic_model.h), and helpers.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/model/synthetic_model.h"
#include "engine/runtime/session.h"

namespace quire::engine::testing {

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // A session on the tiny model (or the tied-output one) with greedy sampling by default.
  static std::unique_ptr<Session> make_session(SessionConfig config = greedy(),
                                               bool other_model = false);
  static SessionConfig greedy();
  // Deterministic prompt ids in [3, n_vocab) (no BOS/EOS), `n` long.
  static std::vector<int32_t> prompt(int n, uint32_t seed);

  static std::filesystem::path dir_;
  static std::shared_ptr<const Model> model_;
  static std::shared_ptr<const Model> other_model_;  // same shape, tied output head
};

}  // namespace quire::engine::testing
