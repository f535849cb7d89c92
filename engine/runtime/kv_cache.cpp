#include "engine/runtime/kv_cache.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <limits>
#include <ostream>

#include "kernels/kv_codec.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace quire::engine {
namespace {

static_assert(std::endian::native == std::endian::little,
              "KV snapshots are stored little-endian; a big-endian port must byte-swap");

constexpr std::array<char, 4> kMagic = {'Q', 'K', 'V', 'C'};
constexpr uint32_t kVersion = 1;

struct Header {
  std::array<char, 4> magic;
  uint32_t version;
  uint32_t type;
  uint32_t reserved;
  int64_t n_layer, n_head_kv, head_dim, n_tokens;
};
static_assert(sizeof(Header) == 48);

// The cache is allocated in whole 2 MiB pages and, on Linux, asks for transparent huge pages:
// decode reads one head's rows n_head_kv rows apart all over the cache after the weight stream
// has flushed the TLB, so with 4 KiB pages nearly every few rows cost a page walk. Best effort:
// without THP (or elsewhere) the memory is ordinary pages. Untouched pages stay unallocated;
// a touched one is a whole 2 MiB page, so even a tiny cache costs 2 MiB of memory once used.
constexpr size_t kHugePage = size_t{2} << 20;

std::byte* allocate_cache(int64_t bytes) {
  const size_t size = (size_t(bytes) + kHugePage - 1) / kHugePage * kHugePage;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(kHugePage, size));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p != nullptr) madvise(p, size, MADV_HUGEPAGE);  // advisory: failure leaves normal pages
#endif
  return p;
}

}  // namespace

void KvCache::FreeBytes::operator()(std::byte* p) const { std::free(p); }

Result<KvCache> KvCache::create(const KvCacheConfig& c) {
  if (c.n_layer <= 0 || c.n_ctx <= 0 || c.n_head_kv <= 0 || c.head_dim <= 0) {
    return make_error(Errc::invalid_argument,
                      "KV cache: every size must be positive (layers {}, context {}, kv heads {}, "
                      "head dim {})",
                      c.n_layer, c.n_ctx, c.n_head_kv, c.head_dim);
  }
  if (c.type == kern::KvType::q8_0 && c.head_dim % kern::kQ8Block != 0) {
    return make_error(Errc::invalid_argument,
                      "KV cache: q8_0 needs a head dimension that is a multiple of 32, this model "
                      "has {}; use an f16 cache",
                      c.head_dim);
  }
  const int64_t row = kern::kv_row_bytes(c.type, c.head_dim);
  // Guard the product against int64 overflow before allocating.
  const int64_t max = std::numeric_limits<int64_t>::max();
  if (c.n_ctx > max / 2 / c.n_layer / c.n_head_kv / row) {
    return make_error(Errc::out_of_memory, "KV cache: {} tokens x {} layers is too large",
                      c.n_ctx, c.n_layer);
  }
  const int64_t total = 2 * c.n_layer * c.n_ctx * c.n_head_kv * row;
  Bytes data(allocate_cache(total));
  if (!data) {
    return make_error(Errc::out_of_memory,
                      "KV cache: cannot allocate {:.1f} MiB for {} tokens of {} ({} bytes per "
                      "token); use a shorter context or a q8_0 cache",
                      double(total) / 1048576.0, c.n_ctx, kern::kv_type_name(c.type),
                      total / c.n_ctx);
  }
  return KvCache(c, row, std::move(data));
}

KvCache::KvCache(const KvCacheConfig& config, int64_t row_bytes, Bytes data)
    : config_(config),
      row_bytes_(row_bytes),
      layer_bytes_(config.n_ctx * config.n_head_kv * row_bytes),
      data_(std::move(data)),
      sizes_(size_t(config.n_layer), 0) {}

int64_t KvCache::size() const { return *std::min_element(sizes_.begin(), sizes_.end()); }

Result<void> KvCache::append(int64_t layer, int64_t pos, int64_t n_tokens, const float* k,
                             const float* v) {
  if (layer < 0 || layer >= config_.n_layer) {
    return make_error(Errc::invalid_argument, "KV cache: layer {} out of range [0, {})", layer,
                      config_.n_layer);
  }
  if (pos < 0 || n_tokens < 0 || pos > sizes_[size_t(layer)]) {
    return make_error(Errc::invalid_argument,
                      "KV cache: cannot write {} tokens at position {} of layer {}, which holds "
                      "{}; positions must follow on without a gap",
                      n_tokens, pos, layer, sizes_[size_t(layer)]);
  }
  if (n_tokens > config_.n_ctx - pos) {
    return make_error(Errc::context_overflow,
                      "KV cache: positions {}..{} do not fit the context of {} tokens", pos,
                      pos + n_tokens, config_.n_ctx);
  }
  const int64_t hd = config_.head_dim;
  const int64_t rows = n_tokens * config_.n_head_kv;
  std::byte* kd = base(layer) + pos * config_.n_head_kv * row_bytes_;
  std::byte* vd = kd + layer_bytes_;
  for (int64_t r = 0; r < rows; ++r) {
    kern::kv_encode_row(config_.type, k + r * hd, kd + r * row_bytes_, hd);
    kern::kv_encode_row(config_.type, v + r * hd, vd + r * row_bytes_, hd);
  }
  sizes_[size_t(layer)] = pos + n_tokens;
  return {};
}

void KvCache::clear() { std::fill(sizes_.begin(), sizes_.end(), 0); }

Result<void> KvCache::truncate(int64_t n_tokens) {
  if (n_tokens < 0 || n_tokens > size()) {
    return make_error(Errc::invalid_argument,
                      "KV cache: cannot keep {} tokens, it holds {} in every layer", n_tokens,
                      size());
  }
  for (int64_t& s : sizes_) s = std::min(s, n_tokens);
  return {};
}

Result<void> KvCache::save(std::ostream& out) const {
  const int64_t n = size();
  const Header h{kMagic, kVersion, uint32_t(config_.type), 0, config_.n_layer,
                 config_.n_head_kv, config_.head_dim, n};
  out.write(reinterpret_cast<const char*>(&h), sizeof h);
  const auto bytes = std::streamsize(n * config_.n_head_kv * row_bytes_);
  for (int64_t l = 0; l < config_.n_layer; ++l) {
    out.write(reinterpret_cast<const char*>(k_data(l)), bytes);
    out.write(reinterpret_cast<const char*>(v_data(l)), bytes);
  }
  if (!out) {
    return make_error(Errc::io_error, "KV cache: writing the snapshot ({} tokens) failed", n);
  }
  return {};
}

Result<void> KvCache::load(std::istream& in) {
  clear();
  Header h{};
  if (!in.read(reinterpret_cast<char*>(&h), sizeof h) || h.magic != kMagic) {
    return make_error(Errc::corrupt_data,
                      "KV snapshot: no valid header; the file is damaged or not a snapshot, "
                      "delete it to prefill again");
  }
  if (h.version != kVersion) {
    return make_error(Errc::unsupported, "KV snapshot: version {} is not supported (expected {})",
                      h.version, kVersion);
  }
  if (h.type != uint32_t(config_.type) || h.n_layer != config_.n_layer ||
      h.n_head_kv != config_.n_head_kv || h.head_dim != config_.head_dim) {
    return make_error(Errc::mismatch,
                      "KV snapshot: it holds {} layers x {} kv heads x {} dims (type id {}), the "
                      "session needs {} x {} x {} ({}); it was made for another model or setting",
                      h.n_layer, h.n_head_kv, h.head_dim, h.type, config_.n_layer,
                      config_.n_head_kv, config_.head_dim, kern::kv_type_name(config_.type));
  }
  if (h.n_tokens < 0) {
    return make_error(Errc::corrupt_data, "KV snapshot: negative token count {}", h.n_tokens);
  }
  if (h.n_tokens > config_.n_ctx) {
    return make_error(Errc::context_overflow,
                      "KV snapshot: holds {} tokens, the context has room for {}; open it with a "
                      "larger context",
                      h.n_tokens, config_.n_ctx);
  }
  const auto bytes = std::streamsize(h.n_tokens * config_.n_head_kv * row_bytes_);
  for (int64_t l = 0; l < config_.n_layer; ++l) {
    if (!in.read(reinterpret_cast<char*>(base(l)), bytes) ||
        !in.read(reinterpret_cast<char*>(base(l) + layer_bytes_), bytes)) {
      return make_error(Errc::corrupt_data,
                        "KV snapshot: truncated in layer {} of {}; delete it to prefill again", l,
                        config_.n_layer);
    }
  }
  std::fill(sizes_.begin(), sizes_.end(), h.n_tokens);
  return {};
}

}  // namespace quire::engine
