// Sampler: picks the next token from a row of logits, with llama.cpp's semantics.
//
// Order of one step (llama.cpp's default sampler chain, common/sampling: penalties, top_k,
// top_p, min_p, temperature, then dist; DRY, typical-p and XTC are not offered):
//   1. repetition penalty on every distinct token among the last repeat_last_n of `history`:
//      a positive logit is divided by repeat_penalty, a negative (or zero) one multiplied;
//   2. top-k: keep the k highest logits (ties: lower token id first);
//   3. top-p: over the softmax of what is left, keep the smallest prefix (highest first) whose
//      probability sum reaches top_p;
//   4. min-p: keep tokens whose probability is at least min_p times the highest one's;
//   5. temperature: divide logits by temperature;
//   6. softmax and draw with the seeded RNG.
// So the kept set (2-4) does not depend on the temperature, as in llama.cpp. Each filter keeps at
// least one token. temperature <= 0 is greedy: the arg max after the penalty (lowest id on ties),
// no RNG draw.
//
// Thread: a Sampler belongs to one session thread. Its RNG (std::mt19937_64, seeded with `seed`)
// advances one step per non-greedy draw; save_state()/load_state() carry it in snapshots, so a
// resumed session draws the same tokens as an uninterrupted one.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/result.h"

namespace quire::engine {

struct SamplerConfig {
  float temperature = 0.8f;     // <= 0: greedy
  int32_t top_k = 40;           // <= 0: off
  float top_p = 0.95f;          // in (0, 1]; 1: off
  float min_p = 0.05f;          // in [0, 1]; 0: off
  float repeat_penalty = 1.0f;  // > 0; 1: off
  int32_t repeat_last_n = 64;   // tokens of history the penalty looks at; 0: off, -1: all
  uint64_t seed = 0;
};

class Sampler {
 public:
  // Errors: invalid_argument naming the setting that is out of range and its allowed range.
  static Result<Sampler> create(const SamplerConfig& config);

  const SamplerConfig& config() const { return config_; }

  // logits [n_vocab]; history: the tokens so far, oldest first (ids outside [0, n_vocab) are
  // ignored). Errors: invalid_argument for empty logits or a NaN logit.
  Result<int32_t> sample(std::span<const float> logits, std::span<const int32_t> history);

  // The RNG state as text ("quire-sampler-1 " + the engine's state).
  std::string save_state() const;
  // Restores a save_state() text. Errors: corrupt_data when it is not one; the state is then
  // unchanged.
  Result<void> load_state(std::string_view state);

 private:
  explicit Sampler(const SamplerConfig& config) : config_(config), rng_(config.seed) {}

  struct Candidate {
    int32_t id;
    float logit;
  };

  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::vector<Candidate> cand_;  // scratch, reused across steps
  std::vector<double> prob_;     // scratch
};

}  // namespace quire::engine
