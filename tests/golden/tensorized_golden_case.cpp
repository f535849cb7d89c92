// Writes one tensorized attention case for tests/golden/tensorized_ref.py: random unrotated
// q [n,hq,dim], k and v [n,hkv,dim] and kern::ref's output [n,hq,dim], as raw little-endian
// float32 files q.f32, k.f32, v.f32, out.f32 in OUTDIR.
// Usage: tensorized_golden_case OUTDIR DIMS N HQ HKV DIM complete|cone local|global
//        normal|neox N_ROT SEED
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/tensorized.h"

namespace {

bool to_int(std::string_view s, int64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool write(const std::string& path, const std::vector<float>& x) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * sizeof(float)));
  return bool(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 12) {
    std::fprintf(stderr, "usage: %s OUTDIR DIMS N HQ HKV DIM complete|cone local|global "
                         "normal|neox N_ROT SEED\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  kern::TensorDims dims;
  if (const std::string err = kern::parse_dims(argv[2], dims); !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  int64_t n = 0, hq = 0, hkv = 0, dim = 0, n_rot = 0, seed = 0;
  const std::string_view variant = argv[7], rope_kind = argv[8], mode = argv[9];
  if (!to_int(argv[3], n) || !to_int(argv[4], hq) || !to_int(argv[5], hkv) ||
      !to_int(argv[6], dim) || !to_int(argv[10], n_rot) || !to_int(argv[11], seed) || n < 1 ||
      n > dims.capacity() || hq < 1 || hkv < 1 || hq % hkv != 0 || dim < 1 || n_rot < 0 ||
      n_rot % 2 != 0 || n_rot > dim || (variant != "complete" && variant != "cone") ||
      (rope_kind != "local" && rope_kind != "global") || (mode != "normal" && mode != "neox")) {
    std::fprintf(stderr, "bad arguments; see the usage line in tensorized_golden_case.cpp\n");
    return 2;
  }
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> q(size_t(n * hq * dim)), k(size_t(n * hkv * dim)), v(k.size());
  for (auto* x : {&q, &k, &v}) {
    for (float& e : *x) e = dist(rng);
  }
  const kern::RopeParams rope{mode == "neox" ? kern::RopeMode::neox : kern::RopeMode::normal, n_rot,
                              10000.0f, 1.0f, nullptr};
  std::vector<float> out(q.size());
  kern::ref::attention_tensorized(
      {}, out.data(), q.data(), k.data(), v.data(), n, hq, hkv, dim, 1.0f / std::sqrt(float(dim)),
      dims, variant == "cone" ? kern::TensorVariant::cone : kern::TensorVariant::complete,
      rope_kind == "global" ? kern::TensorRope::global : kern::TensorRope::local, rope);
  if (!write(dir + "/q.f32", q) || !write(dir + "/k.f32", k) || !write(dir + "/v.f32", v) ||
      !write(dir + "/out.f32", out)) {
    std::fprintf(stderr, "cannot write the case files into %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
