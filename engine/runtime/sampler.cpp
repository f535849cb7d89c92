#include "engine/runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

namespace quire::engine {
namespace {

constexpr std::string_view kStateTag = "quire-sampler-1 ";

// Softmax of candidates' logits into prob (double, max subtracted); candidates sorted desc.
void softmax_sorted(const auto& cand, std::vector<double>& prob) {
  prob.resize(cand.size());
  const double max = cand.front().logit;
  double sum = 0.0;
  for (size_t i = 0; i < cand.size(); ++i) {
    prob[i] = std::exp(double(cand[i].logit) - max);
    sum += prob[i];
  }
  for (double& p : prob) p /= sum;
}

}  // namespace

Result<Sampler> Sampler::create(const SamplerConfig& c) {
  if (!std::isfinite(c.temperature)) {
    return make_error(Errc::invalid_argument, "sampler: temperature must be a number, got {}",
                      c.temperature);
  }
  if (!(c.top_p > 0.0f && c.top_p <= 1.0f)) {
    return make_error(Errc::invalid_argument,
                      "sampler: top-p must be in (0, 1] (1 turns it off), got {}", c.top_p);
  }
  if (!(c.min_p >= 0.0f && c.min_p <= 1.0f)) {
    return make_error(Errc::invalid_argument,
                      "sampler: min-p must be in [0, 1] (0 turns it off), got {}", c.min_p);
  }
  if (!(c.repeat_penalty > 0.0f && std::isfinite(c.repeat_penalty))) {
    return make_error(Errc::invalid_argument,
                      "sampler: repeat penalty must be positive (1 turns it off), got {}",
                      c.repeat_penalty);
  }
  if (c.repeat_last_n < -1) {
    return make_error(Errc::invalid_argument,
                      "sampler: repeat-last-n must be -1 (all), 0 (off) or a count, got {}",
                      c.repeat_last_n);
  }
  return Sampler(c);
}

Result<int32_t> Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  if (logits.empty()) return make_error(Errc::invalid_argument, "sampler: no logits to sample");
  const auto n_vocab = int64_t(logits.size());
  cand_.resize(logits.size());
  for (int64_t i = 0; i < n_vocab; ++i) {
    if (std::isnan(logits[size_t(i)])) {
      return make_error(Errc::invalid_argument,
                        "sampler: logit of token {} is NaN; the model produced invalid numbers", i);
    }
    cand_[size_t(i)] = {int32_t(i), logits[size_t(i)]};
  }

  // 1. Repetition penalty, once per distinct recent token.
  if (config_.repeat_penalty != 1.0f && config_.repeat_last_n != 0) {
    const size_t n = config_.repeat_last_n < 0
                         ? history.size()
                         : std::min(history.size(), size_t(config_.repeat_last_n));
    std::unordered_set<int32_t> seen;
    for (int32_t id : history.last(n)) {
      if (id < 0 || id >= n_vocab || !seen.insert(id).second) continue;
      float& l = cand_[size_t(id)].logit;
      l = l <= 0.0f ? l * config_.repeat_penalty : l / config_.repeat_penalty;
    }
  }

  const auto higher = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  if (config_.temperature <= 0.0f) {
    return std::min_element(cand_.begin(), cand_.end(), higher)->id;
  }

  // 2. top-k (and sort what is kept, highest first).
  size_t keep = cand_.size();
  if (config_.top_k > 0 && size_t(config_.top_k) < keep) keep = size_t(config_.top_k);
  std::partial_sort(cand_.begin(), cand_.begin() + std::ptrdiff_t(keep), cand_.end(), higher);
  cand_.resize(keep);

  // 3. top-p.
  if (config_.top_p < 1.0f) {
    softmax_sorted(cand_, prob_);
    double cum = 0.0;
    size_t last = cand_.size();
    for (size_t i = 0; i < cand_.size(); ++i) {
      cum += prob_[i];
      if (cum >= double(config_.top_p)) {
        last = i + 1;
        break;
      }
    }
    cand_.resize(last);
  }

  // 4. min-p: p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p).
  if (config_.min_p > 0.0f) {
    const double threshold = double(cand_.front().logit) + std::log(double(config_.min_p));
    size_t last = 1;
    while (last < cand_.size() && double(cand_[last].logit) >= threshold) ++last;
    cand_.resize(last);
  }

  // 5. temperature, 6. softmax and draw.
  for (Candidate& c : cand_) c.logit /= config_.temperature;
  softmax_sorted(cand_, prob_);
  // 53 random bits -> u in [0, 1), the same on every standard library (unlike
  // std::uniform_real_distribution, whose algorithm is unspecified).
  const double u = double(rng_() >> 11) * 0x1p-53;
  double cum = 0.0;
  for (size_t i = 0; i < cand_.size(); ++i) {
    cum += prob_[i];
    if (u < cum) return cand_[i].id;
  }
  return cand_.back().id;  // u within rounding of 1
}

std::string Sampler::save_state() const {
  std::ostringstream out;
  out << kStateTag << rng_;
  return out.str();
}

Result<void> Sampler::load_state(std::string_view state) {
  if (!state.starts_with(kStateTag)) {
    return make_error(Errc::corrupt_data,
                      "sampler state: not a Quire sampler state (expected it to start with '{}')",
                      kStateTag);
  }
  std::istringstream in{std::string(state.substr(kStateTag.size()))};
  std::mt19937_64 rng;
  in >> rng;
  if (in.fail() || !(in >> std::ws).eof()) {
    return make_error(Errc::corrupt_data,
                      "sampler state: the random generator's state is damaged; the session's "
                      "snapshot should be discarded");
  }
  rng_ = rng;
  return {};
}

}  // namespace quire::engine
