// Model discovery over fake folder trees: a user folder, an Ollama store (manifest + blob), LM
// Studio and GPT4All folders, with tiny GGUF files written by gguf::Writer.
#include <gtest/gtest.h>

#include <fstream>

#include "app/models/discovery.h"
#include "engine/gguf/gguf_writer.h"
#include "../store/temp_dir.h"

namespace quire::app {
namespace {

namespace fs = std::filesystem;

// 8x2 f16 (16 parameters, 32 bytes) and 64x2 q8_0 (128 parameters, 4 blocks of 34 bytes).
void write_model(const fs::path& p, uint32_t ctx) {
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::str("llama"));
  w.set("llama.context_length", gguf::Value::u32(ctx));
  w.add_tensor("token_embd.weight", kern::DType::f16, {8, 2}, std::vector<uint8_t>(32, 0));
  w.add_tensor("blk.0.attn_q.weight", kern::DType::q8_0, {64, 2}, std::vector<uint8_t>(136, 0));
  fs::create_directories(p.parent_path());
  ASSERT_TRUE(w.write(p));
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

const DiscoveredModel* find(const std::vector<DiscoveredModel>& all, const std::string& name) {
  for (const auto& m : all) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(ModelDiscovery, FindsModelsInEveryKnownPlace) {
  testing::TempDir home;
  const fs::path h = home.path();
  write_model(h / "models/llama-tiny.Q8_0.gguf", 4096);
  write_text(h / "models/notes.txt", "not a model");
  const std::string hex(64, 'a');
  write_model(h / ".ollama/models/blobs" / ("sha256-" + hex), 8192);
  write_text(h / ".ollama/models/manifests/registry.ollama.ai/library/tiny/latest",
             R"({"schemaVersion":2,"layers":[
                 {"mediaType":"application/vnd.ollama.image.template","digest":"sha256:)" +
                 std::string(64, 'b') + R"(","size":10},
                 {"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + hex +
                 R"(","size":300}]})");
  write_text(h / ".ollama/models/manifests/registry.ollama.ai/me/gone/7b",
             R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" +
                 std::string(64, 'c') + R"("}]})");
  write_text(h / ".ollama/models/manifests/registry.ollama.ai/library/evil/x",
             R"({"layers":[{"mediaType":"application/vnd.ollama.image.model",
                 "digest":"sha256:../../../etc/passwd"}]})");
  write_model(h / ".lmstudio/models/publisher/Model-GGUF/model.gguf", 2048);
  write_text(h / ".local/share/nomic.ai/GPT4All/broken.gguf", "GGUF but not really");
  fs::create_symlink(h / "models/llama-tiny.Q8_0.gguf", h / "models/again.gguf");

  const DiscoveryOptions opts = default_discovery_options([&](const char* name)
                                                              -> std::optional<std::string> {
    if (std::string_view(name) == "HOME") return h.string();
    return std::nullopt;
  });
  const auto found = discover_models(opts);
  ASSERT_TRUE(found) << found.error().message;
  // again.gguf points at llama-tiny and is listed once (the first path in order wins).
  ASSERT_EQ(found->size(), 6u);

  const DiscoveredModel* user = find(*found, "again");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->source, "folder");
  EXPECT_EQ(find(*found, "llama-tiny.Q8_0"), nullptr);
  EXPECT_EQ(user->architecture, "llama");
  EXPECT_EQ(user->parameters, 144);
  EXPECT_EQ(user->quant, "q8_0");
  EXPECT_EQ(user->context_length, 4096);
  EXPECT_TRUE(user->problem.empty());
  EXPECT_EQ(user->bytes, fs::file_size(h / "models/llama-tiny.Q8_0.gguf"));

  const DiscoveredModel* ollama = find(*found, "tiny:latest");
  ASSERT_NE(ollama, nullptr);
  EXPECT_EQ(ollama->source, "ollama");
  EXPECT_EQ(ollama->path, h / ".ollama/models/blobs" / ("sha256-" + hex));
  EXPECT_EQ(ollama->context_length, 8192);
  EXPECT_TRUE(ollama->problem.empty()) << ollama->problem;

  const DiscoveredModel* gone = find(*found, "me/gone:7b");
  ASSERT_NE(gone, nullptr);
  EXPECT_NE(gone->problem.find("ollama pull me/gone:7b"), std::string::npos) << gone->problem;
  const DiscoveredModel* evil = find(*found, "evil:x");
  ASSERT_NE(evil, nullptr);
  EXPECT_NE(evil->problem.find("unexpected digest"), std::string::npos);

  const DiscoveredModel* lms = find(*found, "model");
  ASSERT_NE(lms, nullptr);
  EXPECT_EQ(lms->source, "lmstudio");
  EXPECT_EQ(lms->context_length, 2048);

  const DiscoveredModel* broken = find(*found, "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->source, "gpt4all");
  EXPECT_FALSE(broken->problem.empty());
  EXPECT_TRUE(broken->architecture.empty());
}

TEST(ModelDiscovery, MissingFoldersAndNoHome) {
  const auto none = default_discovery_options([](const char*) -> std::optional<std::string> {
    return std::nullopt;
  });
  EXPECT_TRUE(none.user_folders.empty());
  EXPECT_TRUE(none.ollama_dir.empty());
  DiscoveryOptions o;
  o.user_folders = {"/nonexistent/quire/models"};
  o.ollama_dir = "/nonexistent/ollama";
  const auto found = discover_models(o);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(discover_models(o, stop.get_token()).error().code, Errc::cancelled);
  const auto env = default_discovery_options([](const char* n) -> std::optional<std::string> {
    if (std::string_view(n) == "OLLAMA_MODELS") return "/srv/ollama";
    if (std::string_view(n) == "HOME") return "/home/u";
    return std::nullopt;
  });
  EXPECT_EQ(env.ollama_dir, "/srv/ollama");
  EXPECT_EQ(env.gpt4all_dir, "/home/u/.local/share/nomic.ai/GPT4All");
}

}  // namespace
}  // namespace quire::app
