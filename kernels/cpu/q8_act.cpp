// kern::cpu 8-bit activation rows and integer weight dots: the public twins of kernels/q8_act.h
// and the run-time choice of kernel (kernels/cpu/q8_dot.h).
// Dispatch: VNNI (vpdpbusd) when the CPU has AVX-512 VNNI, else AVX2 (vpmaddubsw). Without AVX2
// (or with SIMD switched off for tests) these twins run kern::ref's scalar code, and matmul_w
// keeps its float path, which is the faster one there.
// Parallelization: quantize_act splits rows over Exec::pool; dot_q8 is one row on the caller.
#include <atomic>

#include "kernels/cpu/q8_dot.h"
#include "kernels/cpu/q8_gemm.h"
#include "kernels/cpu/weight_dot.h"
#include "kernels/thread_pool.h"

namespace kern::cpu {
namespace {
std::atomic<bool> g_q8_activations{true};
}  // namespace

void set_q8_activations(bool enabled) { g_q8_activations.store(enabled, std::memory_order_relaxed); }
bool q8_activations() { return g_q8_activations.load(std::memory_order_relaxed); }

namespace detail {
namespace {
std::atomic<bool> g_vnni_enabled{true};
}  // namespace

void set_vnni_enabled(bool enabled) { g_vnni_enabled.store(enabled, std::memory_order_relaxed); }

namespace {
enum class Isa { none, avx2, vnni };

// The best integer build for this CPU, ignoring the q8 switch.
Isa best_isa() {
  if (!simd_enabled() || !cpu_has_avx2()) return Isa::none;
  if (g_vnni_enabled.load(std::memory_order_relaxed) && cpu_has_avx512_vnni()) return Isa::vnni;
  return Isa::avx2;
}

Q8Dot best_q8_dot(DType type) {
  switch (best_isa()) {
    case Isa::vnni: return q8_dot_vnni(type);
    case Isa::avx2: return q8_dot_avx2(type);
    case Isa::none: break;
  }
  return nullptr;
}
}  // namespace

Q8Dot select_q8_dot(DType type) { return q8_activations() ? best_q8_dot(type) : nullptr; }

Q8Dot4 select_q8_dot4(DType type) {
  if (!q8_activations()) return nullptr;
  switch (best_isa()) {
    case Isa::vnni: return q8_dot4_vnni(type);
    case Isa::avx2: return q8_dot4_avx2(type);
    case Isa::none: break;
  }
  return nullptr;
}

Q8DotRows4 select_q8_dot_rows4(DType type) {
  if (!q8_activations()) return nullptr;
  switch (best_isa()) {
    case Isa::vnni: return q8_dot_rows4_vnni(type);
    case Isa::avx2: return q8_dot_rows4_avx2(type);
    case Isa::none: break;
  }
  return nullptr;
}

Q8Gemm select_q8_gemm(DType type) {
  if (!q8_activations() || best_isa() != Isa::vnni) return nullptr;
  if (Q8Gemm gemm = q8_gemm_q8_0_vnni(type)) return gemm;
  return q8_gemm_kquant_vnni(type);
}

QuantizeRow select_quantize_row(ActQ8 type) {
  if (simd_enabled() && cpu_has_avx2()) return quantize_row_avx2(type);
  return nullptr;
}

}  // namespace detail

void quantize_act(const Exec& ex, uint8_t* y, const float* x, ActQ8 type, int64_t rows, int64_t K) {
  const detail::QuantizeRow row = detail::select_quantize_row(type);
  if (row == nullptr) {
    ref::quantize_act(ex, y, x, type, rows, K);
    return;
  }
  const int64_t stride = act_row_bytes(type, K);
  const auto body = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row(y + r * stride, x + r * K, K);
  };
  if (ex.pool == nullptr || rows == 1) {
    body(0, rows);
  } else {
    ex.pool->parallel_for(rows, 1, body);
  }
}

float dot_q8(DType wtype, const uint8_t* w, const uint8_t* a, int64_t K) {
  if (const detail::Q8Dot dot = detail::best_q8_dot(wtype)) return dot(w, a, K);
  return ref::dot_q8(wtype, w, a, K);
}

}  // namespace kern::cpu
