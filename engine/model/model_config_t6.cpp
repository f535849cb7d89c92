#include "engine/model/model_config_t6.h"

#include <string>

namespace quire::engine {

Result<void> read_t6_config(const gguf::File& file, ModelConfig& c) {
  struct Rank {
    const char* key;
    int64_t* dst;
    int64_t lo;
  };
  for (const Rank& r : {Rank{"t6.attention.rank_q", &c.rank_q, 0},
                        Rank{"t6.attention.rank_k", &c.rank_k, 1},
                        Rank{"t6.attention.rank_v", &c.rank_v, 1}}) {
    if (!file.find(r.key)) {
      return make_error(Errc::corrupt_data,
                        "{}: the GGUF metadata lacks '{}', which a t6 model needs; convert the "
                        "checkpoint again with quire-cli convert t6",
                        file.name(), r.key);
    }
    auto v = file.get_int(r.key);
    if (!v) return make_error(Errc::corrupt_data, "{}", v.error().message);
    if (*v < r.lo || *v > kMaxTpaRank) {
      return make_error(Errc::corrupt_data, "{}: '{}' is {}, outside [{}, {}]; the file is damaged",
                        file.name(), r.key, *v, r.lo, kMaxTpaRank);
    }
    *r.dst = *v;
  }
  if (c.n_head_kv != c.n_head) {
    return make_error(Errc::corrupt_data,
                      "{}: t6.attention.head_count_kv {} differs from head_count {}; tensor "
                      "product attention has K and V factors for every head",
                      file.name(), c.n_head_kv, c.n_head);
  }
  c.rope_mode = kern::RopeMode::neox;
  return {};
}

}  // namespace quire::engine
