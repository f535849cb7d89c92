#include "engine/model/model.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "engine/base/log.h"
#include "engine/tokenizer/vocab_gguf.h"
#include "kernels/kernels.h"

namespace quire::engine {

namespace {

__extension__ typedef unsigned __int128 U128;  // GCC/Clang; FNV-1a 128 needs 128-bit products

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// Looks `name` up and checks its GGUF shape (innermost first) and that the kernels read its type.
Result<const gguf::TensorInfo*> find_tensor(const gguf::File& file, const std::string& name,
                                            const std::vector<int64_t>& shape) {
  const gguf::TensorInfo* t = file.find_tensor(name);
  if (!t) {
    auto arch = file.get_string("general.architecture");
    return make_error(Errc::corrupt_data,
                      "{}: tensor '{}' is missing; the file is incomplete or not a {} model, "
                      "convert it again",
                      file.name(), name, arch ? *arch : std::string("llama"));
  }
  if (t->shape != shape) {
    return make_error(Errc::corrupt_data,
                      "{}: tensor '{}' has shape {} but the model's metadata needs {}; the file "
                      "is inconsistent",
                      file.name(), name, shape_text(t->shape), shape_text(shape));
  }
  if (t->shape[0] % kern::dtype_info(t->type).block_elems != 0) {
    return make_error(Errc::corrupt_data,
                      "{}: tensor '{}' rows of {} elements are not whole {} blocks", file.name(),
                      name, t->shape[0], kern::dtype_info(t->type).name);
  }
  return t;
}

Result<WeightView> matrix(const gguf::File& file, const std::string& name, int64_t rows,
                          int64_t cols) {
  auto t = find_tensor(file, name, {cols, rows});
  if (!t) return t.error();
  return WeightView{(*t)->type, file.tensor_data(**t), rows, cols};
}

// 1-D tensors as owned f32 (norm weights are f32 in practice; any type is accepted).
Result<std::vector<float>> vector_f32(const gguf::File& file, const std::string& name,
                                      int64_t n) {
  auto t = find_tensor(file, name, {n});
  if (!t) return t.error();
  std::vector<float> out(static_cast<size_t>(n));
  kern::ref::dequantize(kern::Exec{}, out.data(), file.tensor_data(**t), (*t)->type, n);
  return out;
}

Result<std::string> fingerprint_of(const std::filesystem::path& path, const gguf::File& file) {
  // The header bytes are read again through a stream: gguf::File exposes tensor data, not its
  // raw header, and these pages are hot in the cache right after open().
  std::ifstream in(path, std::ios::binary);
  std::vector<char> header(static_cast<size_t>(file.data_offset()));
  if (!in || !in.read(header.data(), static_cast<std::streamsize>(header.size()))) {
    return make_error(Errc::io_error, "{}: could not read the header again to fingerprint it",
                      file.name());
  }
  const U128 prime = (U128{1} << 88) + 0x13B;
  U128 h = (U128{0x6c62272e07bb0142ULL} << 64) | 0x62b821756295c58dULL;
  auto mix = [&](uint8_t byte) { h = (h ^ byte) * prime; };
  for (int i = 0; i < 8; ++i) mix(static_cast<uint8_t>(file.size() >> (8 * i)));
  for (char c : header) mix(static_cast<uint8_t>(c));
  // A sample of every tensor's weights (its first, middle and last kWeightSample bytes), so
  // that two files with the same header but other weights (a fine-tune saved with the same
  // metadata) differ, while only ~12 KiB per tensor is read.
  constexpr uint64_t kWeightSample = 4096;
  for (const gguf::TensorInfo& t : file.tensors()) {
    const uint8_t* data = file.tensor_data(t);
    const uint64_t n = t.n_bytes;
    const uint64_t starts[3] = {0, n / 2 - std::min(n / 2, kWeightSample / 2),
                                n - std::min(n, kWeightSample)};
    for (const uint64_t start : starts) {
      const uint64_t end = std::min(n, start + kWeightSample);
      for (uint64_t i = start; i < end; ++i) mix(data[i]);
    }
  }
  return fmt::format("{:016x}{:016x}", static_cast<uint64_t>(h >> 64), static_cast<uint64_t>(h));
}

}  // namespace

kern::RopeParams Model::rope_params() const {
  kern::RopeParams p;
  p.mode = config_.rope_mode;
  p.n_rot = config_.n_rot;
  p.base = config_.rope_base;
  p.freq_scale = config_.freq_scale;
  p.freq_factors = rope_freqs();
  return p;
}

Result<std::shared_ptr<const Model>> Model::load(const std::filesystem::path& path) {
  auto file = gguf::File::open(path);
  if (!file) return file.error();
  std::shared_ptr<Model> m(new Model(std::move(*file)));
  const gguf::File& f = m->file_;

  auto config = config_from_gguf(f);
  if (!config) return config.error();
  m->config_ = *config;
  const ModelConfig& c = m->config_;

  auto vocab = vocab_from_gguf(f);
  if (!vocab) return vocab.error();
  if (static_cast<int64_t>(vocab->tokens.size()) != c.n_vocab) {
    return make_error(Errc::corrupt_data,
                      "{}: the tokenizer has {} tokens but the model's vocabulary size is {}",
                      f.name(), vocab->tokens.size(), c.n_vocab);
  }
  auto tokenizer = Tokenizer::create(*vocab);
  if (!tokenizer) {
    return make_error(tokenizer.error().code, "{}: {}", f.name(), tokenizer.error().message);
  }
  m->tokenizer_ = std::move(*tokenizer);

  auto embd = matrix(f, "token_embd.weight", c.n_vocab, c.n_embd);
  if (!embd) return embd.error();
  m->token_embd_ = *embd;
  auto out_norm = vector_f32(f, "output_norm.weight", c.n_embd);
  if (!out_norm) return out_norm.error();
  m->output_norm_ = std::move(*out_norm);
  if (f.find_tensor("output.weight")) {
    auto out = matrix(f, "output.weight", c.n_vocab, c.n_embd);
    if (!out) return out.error();
    m->output_ = *out;
  } else {
    m->output_ = m->token_embd_;
    m->tied_output_ = true;
  }
  if (f.find_tensor("rope_freqs.weight")) {
    auto ff = vector_f32(f, "rope_freqs.weight", c.n_rot / 2);
    if (!ff) return ff.error();
    for (float x : *ff) {
      if (!(x > 0.0f) || !std::isfinite(x)) {
        return make_error(Errc::corrupt_data,
                          "{}: rope_freqs.weight holds {}, not a positive finite divisor",
                          f.name(), x);
      }
    }
    m->rope_freqs_ = std::move(*ff);
  }

  m->norms_.reserve(static_cast<size_t>(2 * c.n_layer));
  m->layers_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const std::string p = fmt::format("blk.{}.", i);
    LayerWeights& l = m->layers_[size_t(i)];
    for (auto [name, dst] : {std::pair{"attn_norm.weight", &l.attn_norm},
                             std::pair{"ffn_norm.weight", &l.ffn_norm}}) {
      auto v = vector_f32(f, p + name, c.n_embd);
      if (!v) return v.error();
      m->norms_.push_back(std::move(*v));
      *dst = m->norms_.back().data();
    }
    struct Mat {
      const char* name;
      WeightView* dst;
      int64_t rows, cols;
    };
    std::vector<Mat> mats = {Mat{"attn_output.weight", &l.wo, c.n_embd, c.q_dim()},
                             Mat{"ffn_gate.weight", &l.w_gate, c.n_ff, c.n_embd},
                             Mat{"ffn_up.weight", &l.w_up, c.n_ff, c.n_embd},
                             Mat{"ffn_down.weight", &l.w_down, c.n_embd, c.n_ff}};
    if (!c.is_tpa()) {
      mats.insert(mats.end(), {Mat{"attn_q.weight", &l.wq, c.q_dim(), c.n_embd},
                               Mat{"attn_k.weight", &l.wk, c.kv_dim(), c.n_embd},
                               Mat{"attn_v.weight", &l.wv, c.kv_dim(), c.n_embd}});
    } else {  // t6: the TPA factor projections (resources/convert/convert_t6.py names them)
      const int64_t h = c.n_head, hd = c.head_dim;
      if (c.rank_q == 0) {
        mats.push_back(Mat{"attn_q.weight", &l.wq, c.q_dim(), c.n_embd});
      } else {
        mats.insert(mats.end(), {Mat{"attn_q_a.weight", &l.wa_q, h * c.rank_q, c.n_embd},
                                 Mat{"attn_q_b.weight", &l.wb_q, c.rank_q * hd, c.n_embd}});
      }
      mats.insert(mats.end(), {Mat{"attn_k_a.weight", &l.wa_k, h * c.rank_k, c.n_embd},
                               Mat{"attn_k_b.weight", &l.wb_k, c.rank_k * hd, c.n_embd},
                               Mat{"attn_v_a.weight", &l.wa_v, h * c.rank_v, c.n_embd},
                               Mat{"attn_v_b.weight", &l.wb_v, c.rank_v * hd, c.n_embd}});
    }
    for (const Mat& mat : mats) {
      auto w = matrix(f, p + mat.name, mat.rows, mat.cols);
      if (!w) return w.error();
      *mat.dst = *w;
    }
  }

  auto fp = fingerprint_of(path, f);
  if (!fp) return fp.error();
  m->fingerprint_ = std::move(*fp);
  log::debug("loaded {}: {} layers, {} embd, {} heads ({} kv), vocab {}{}", f.name(), c.n_layer,
            c.n_embd, c.n_head, c.n_head_kv, c.n_vocab, m->tied_output_ ? ", tied output" : "");
  return std::shared_ptr<const Model>(std::move(m));
}

}  // namespace quire::engine
