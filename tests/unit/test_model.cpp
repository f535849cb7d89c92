// Model loading, config parsing and vocab reading on synthetic GGUF files written by the
// project's writer (engine/model/synthetic_model.h, engine/gguf/gguf_writer.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/gguf/gguf_writer.h"
#include "engine/model/model.h"
#include "engine/model/synthetic_model.h"
#include "engine/tokenizer/vocab_gguf.h"

namespace quire::engine {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / "quire_test_model";
  fs::create_directories(dir);
  return dir / name;
}

fs::path write_model(const std::string& file, const std::string& type, bool tied = false,
                     bool llama3 = false, const std::string& shape = "tiny") {
  SyntheticSpec spec;
  spec.shape = *synthetic_shape(shape);
  spec.type = type;
  spec.seed = 11;
  spec.tied_output = tied;
  spec.llama3_rope = llama3;
  const fs::path path = temp_path(file);
  auto ok = write_synthetic_llama(path, spec);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  return path;
}

// Minimal llama metadata for config tests; `edit` changes it before parsing.
Result<ModelConfig> config_of(const std::function<void(gguf::Writer&)>& edit) {
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::str("llama"));
  w.set("llama.block_count", gguf::Value::u32(2));
  w.set("llama.embedding_length", gguf::Value::u32(64));
  w.set("llama.feed_forward_length", gguf::Value::u32(128));
  w.set("llama.attention.head_count", gguf::Value::u32(4));
  w.set("llama.attention.head_count_kv", gguf::Value::u32(2));
  w.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-6f));
  w.set("llama.vocab_size", gguf::Value::u32(300));
  edit(w);
  static std::vector<uint8_t> bytes;  // File::parse borrows the bytes
  bytes = w.to_bytes();
  auto f = gguf::File::parse(bytes, "cfg.gguf");
  if (!f) return f.error();
  return config_from_gguf(*f);
}

TEST(ModelConfig, ReadsLlamaMetadataWithDefaults) {
  auto c = config_of([](gguf::Writer&) {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->n_layer, 2);
  EXPECT_EQ(c->head_dim, 16);
  EXPECT_EQ(c->n_rot, 16);
  EXPECT_EQ(c->n_head_kv, 2);
  EXPECT_EQ(c->n_vocab, 300);
  EXPECT_FLOAT_EQ(c->rope_base, 10000.0f);
  EXPECT_FLOAT_EQ(c->freq_scale, 1.0f);
  EXPECT_FLOAT_EQ(c->rms_eps, 1e-6f);
  EXPECT_EQ(c->n_ctx_train, 0);
}

TEST(ModelConfig, LinearScalingAndContext) {
  auto c = config_of([](gguf::Writer& w) {
    w.set("llama.rope.scaling.type", gguf::Value::str("linear"));
    w.set("llama.rope.scaling.factor", gguf::Value::f32(4.0f));
    w.set("llama.context_length", gguf::Value::u32(4096));
  });
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FLOAT_EQ(c->freq_scale, 0.25f);
  EXPECT_EQ(c->n_ctx_train, 4096);
}

TEST(ModelConfig, RefusesWhatLlamaCppRefuses) {
  auto expect = [](const std::function<void(gguf::Writer&)>& edit, Errc code,
                   std::string_view needle) {
    auto c = config_of(edit);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, code) << c.error().message;
    EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
  };
  expect([](gguf::Writer& w) { w.set("general.architecture", gguf::Value::str("gemma")); },
         Errc::unsupported, "supported");
  expect([](gguf::Writer& w) { w.set("llama.rope.dimension_count", gguf::Value::u32(8)); },
         Errc::corrupt_data, "rope.dimension_count");
  expect([](gguf::Writer& w) { w.set("llama.expert_count", gguf::Value::u32(8)); },
         Errc::unsupported, "mixture-of-experts");
  expect([](gguf::Writer& w) {
    w.set("tokenizer.ggml.tokens", gguf::Value::strings({"a", "b"}));
  }, Errc::corrupt_data, "lists 2 tokens");
  expect([](gguf::Writer& w) { w.set("llama.attention.head_count_kv", gguf::Value::u32(3)); },
         Errc::corrupt_data, "multiple");
  expect([](gguf::Writer& w) { w.set("llama.rope.scaling.type", gguf::Value::str("yarn")); },
         Errc::unsupported, "yarn");
  expect([](gguf::Writer& w) { w.set("llama.block_count", gguf::Value::str("two")); },
         Errc::corrupt_data, "block_count");
}

TEST(Model, LoadsSyntheticModel) {
  const fs::path path = write_model("load_q4_k_m.gguf", "q4_k_m");
  auto m = Model::load(path);
  ASSERT_TRUE(m) << m.error().message;
  const ModelConfig& c = (*m)->config();
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_embd, 256);
  EXPECT_EQ(c.n_head, 8);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.n_vocab, 384);
  EXPECT_EQ(c.n_ctx_train, 512);
  EXPECT_FALSE((*m)->tied_output());
  EXPECT_EQ((*m)->rope_freqs(), nullptr);
  EXPECT_EQ((*m)->output().type, kern::DType::q6_k);
  EXPECT_EQ((*m)->layer(0).wq.type, kern::DType::q4_k);
  EXPECT_EQ((*m)->layer(1).wv.type, kern::DType::q6_k);  // the recipe's "more bits" layer
  EXPECT_EQ((*m)->layer(1).wk.rows, 64);
  EXPECT_EQ((*m)->layer(1).wk.cols, 256);
  EXPECT_EQ((*m)->tokenizer().n_vocab(), 384);
  EXPECT_EQ((*m)->tokenizer().bos(), 1);
  const std::vector<int32_t> ids = (*m)->tokenizer().encode("abc", true, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ((*m)->tokenizer().decode(ids), "abc");
}

TEST(Model, TiedOutputAndRopeFreqs) {
  auto m = Model::load(write_model("tied.gguf", "f16", true, true));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE((*m)->tied_output());
  EXPECT_EQ((*m)->output().data, (*m)->token_embd().data);
  ASSERT_NE((*m)->rope_freqs(), nullptr);
  EXPECT_EQ((*m)->rope_params().freq_factors, (*m)->rope_freqs());
  EXPECT_EQ((*m)->rope_params().n_rot, 32);
}

TEST(Model, FingerprintIsStableAndTellsModelsApart) {
  const fs::path a = write_model("fp_a.gguf", "q8_0");
  auto m1 = Model::load(a);
  auto m2 = Model::load(a);
  auto other = Model::load(write_model("fp_b.gguf", "q4_0"));
  ASSERT_TRUE(m1 && m2 && other);
  EXPECT_EQ((*m1)->fingerprint().size(), 32u);
  EXPECT_EQ((*m1)->fingerprint(), (*m2)->fingerprint());
  EXPECT_NE((*m1)->fingerprint(), (*other)->fingerprint());
}

// Same header, other weights (a fine-tune saved with identical metadata): told apart by the
// sampled weight bytes. The byte changed is the first of the last tensor's middle sample.
TEST(Model, FingerprintSeesWeightsBehindAnIdenticalHeader) {
  const fs::path a = write_model("fp_w.gguf", "f32");
  auto before = Model::load(a);
  ASSERT_TRUE(before) << before.error().message;
  auto file = gguf::File::open(a);
  ASSERT_TRUE(file);
  const gguf::TensorInfo& t = file->tensors().back();
  const uint64_t at =
      file->data_offset() + t.offset + t.n_bytes / 2 - std::min<uint64_t>(t.n_bytes / 2, 2048);
  const fs::path b = fs::path(a).replace_filename("fp_w2.gguf");
  fs::copy_file(a, b, fs::copy_options::overwrite_existing);
  {
    std::fstream f(b, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(std::streamoff(at));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(std::streamoff(at));
    f.write(&c, 1);
  }
  auto after = Model::load(b);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_NE((*before)->fingerprint(), (*after)->fingerprint());
}

TEST(Model, MissingTensorIsNamed) {
  const fs::path path = write_model("missing_src.gguf", "f32");
  auto full = gguf::File::open(path);
  ASSERT_TRUE(full);
  gguf::Writer w;
  for (const auto& [key, value] : full->metadata()) w.set(key, value);
  for (const gguf::TensorInfo& t : full->tensors()) {
    if (t.name == "blk.1.ffn_up.weight") continue;
    const uint8_t* p = full->tensor_data(t);
    w.add_tensor(t.name, t.type, t.shape, std::vector<uint8_t>(p, p + t.n_bytes));
  }
  const fs::path broken = temp_path("missing.gguf");
  ASSERT_TRUE(w.write(broken));
  auto m = Model::load(broken);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::corrupt_data);
  EXPECT_NE(m.error().message.find("blk.1.ffn_up.weight"), std::string::npos);
}

TEST(Model, MisshapedTensorIsNamed) {
  const fs::path path = write_model("shape_src.gguf", "f32");
  auto full = gguf::File::open(path);
  ASSERT_TRUE(full);
  gguf::Writer w;
  for (const auto& [key, value] : full->metadata()) w.set(key, value);
  for (const gguf::TensorInfo& t : full->tensors()) {
    const uint8_t* p = full->tensor_data(t);
    std::vector<int64_t> shape = t.shape;
    if (t.name == "blk.0.attn_k.weight") std::swap(shape[0], shape[1]);
    w.add_tensor(t.name, t.type, shape, std::vector<uint8_t>(p, p + t.n_bytes));
  }
  const fs::path broken = temp_path("misshaped.gguf");
  ASSERT_TRUE(w.write(broken));
  auto m = Model::load(broken);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::corrupt_data);
  EXPECT_NE(m.error().message.find("blk.0.attn_k.weight"), std::string::npos);
  EXPECT_NE(m.error().message.find("[64, 256]"), std::string::npos) << m.error().message;
}

TEST(VocabGguf, ReadsTokenizerKeys) {
  auto f = gguf::File::open(write_model("vocab.gguf", "f32"));
  ASSERT_TRUE(f);
  auto v = vocab_from_gguf(*f);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->kind, Vocab::Kind::spm);
  EXPECT_EQ(v->tokens.size(), 384u);
  EXPECT_EQ(v->scores.size(), 384u);
  EXPECT_EQ(v->tokens[3], "<0x00>");
  EXPECT_EQ(v->type_of(3), TokenType::byte);
  EXPECT_EQ(v->type_of(1), TokenType::control);
  EXPECT_EQ(v->bos_id, 1);
  EXPECT_EQ(v->eos_id, 2);
  EXPECT_EQ(v->unk_id, 0);
  EXPECT_EQ(v->pad_id, -1);
  EXPECT_TRUE(v->add_bos);
  EXPECT_FALSE(v->add_eos);
}

TEST(VocabGguf, ClearErrors) {
  auto parse = [](const std::function<void(gguf::Writer&)>& edit) -> Result<Vocab> {
    gguf::Writer w;
    w.set("tokenizer.ggml.model", gguf::Value::str("gpt2"));
    w.set("tokenizer.ggml.tokens", gguf::Value::strings({"a", "b", "ab"}));
    w.set("tokenizer.ggml.merges", gguf::Value::strings({"a b"}));
    edit(w);
    static std::vector<uint8_t> bytes;
    bytes = w.to_bytes();
    auto f = gguf::File::parse(bytes, "v.gguf");
    if (!f) return f.error();
    return vocab_from_gguf(*f);
  };
  auto ok = parse([](gguf::Writer&) {});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->kind, Vocab::Kind::bpe);
  EXPECT_EQ(ok->merges.size(), 1u);
  EXPECT_FALSE(ok->add_space_prefix);

  auto bad_model = parse([](gguf::Writer& w) { w.set("tokenizer.ggml.model", gguf::Value::str("bert")); });
  ASSERT_FALSE(bad_model);
  EXPECT_EQ(bad_model.error().code, Errc::unsupported);
  auto bad_id = parse([](gguf::Writer& w) { w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(7)); });
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code, Errc::corrupt_data);
  auto bad_type = parse([](gguf::Writer& w) {
    w.set("tokenizer.ggml.add_bos_token", gguf::Value::str("yes"));
  });
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.error().message.find("add_bos_token"), std::string::npos);
}

}  // namespace
}  // namespace quire::engine
