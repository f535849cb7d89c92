#include "app/models/discovery.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/base/progress.h"
#include "engine/gguf/gguf.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kOllamaModelType = "application/vnd.ollama.image.model";
constexpr uintmax_t kMaxManifestBytes = 1 << 20;

bool is_gguf_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".gguf";
}

void describe(DiscoveredModel& m) {
  std::error_code ec;
  m.bytes = fs::file_size(m.path, ec);
  auto file = gguf::File::open(m.path);
  if (!file) {
    m.problem = file.error().message;
    return;
  }
  if (auto a = file->get_string("general.architecture")) m.architecture = *a;
  std::map<std::string, uint64_t> bytes_by_type;
  for (const gguf::TensorInfo& t : file->tensors()) {
    m.parameters += t.n_elements();
    bytes_by_type[std::string(kern::dtype_info(t.type).name)] += t.n_bytes;
  }
  uint64_t best = 0;
  for (const auto& [type, n] : bytes_by_type) {
    if (n > best) best = n, m.quant = type;
  }
  if (!m.architecture.empty()) {
    if (auto n = file->get_uint(m.architecture + ".context_length")) {
      m.context_length = static_cast<int64_t>(*n);
    }
  }
}

// *.gguf regular files (or links to them) under `root`, sorted, at most max_depth levels down.
std::vector<fs::path> gguf_files(const fs::path& root, int max_depth, std::stop_token stop) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (stop.stop_requested()) break;
    if (it.depth() >= max_depth) it.disable_recursion_pending();
    std::error_code fe;
    if (is_gguf_name(it->path()) && it->is_regular_file(fe)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_small_file(const fs::path& p) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(p, ec);
  if (ec || size > kMaxManifestBytes) return {};
  std::ifstream in(p, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return {};
  return text;
}

// NAME:TAG from manifests/HOST/NAMESPACE/NAME/TAG, shortened as Ollama prints it.
std::string ollama_name(const fs::path& rel) {
  std::vector<std::string> parts;
  for (const auto& p : rel) parts.push_back(p.string());
  if (parts.size() < 4) return rel.string();
  const std::string& host = parts[parts.size() - 4];
  const std::string& ns = parts[parts.size() - 3];
  std::string name = parts[parts.size() - 2] + ":" + parts.back();
  if (ns != "library" || host != "registry.ollama.ai") name = ns + "/" + name;
  if (host != "registry.ollama.ai") name = host + "/" + name;
  return name;
}

void find_ollama(const fs::path& dir, int max_depth, std::stop_token stop,
                 std::vector<DiscoveredModel>& out) {
  std::error_code ec;
  const fs::path manifests = dir / "manifests";
  if (!fs::is_directory(manifests, ec)) return;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(manifests, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (stop.stop_requested()) return;
    if (it.depth() >= max_depth) it.disable_recursion_pending();
    std::error_code fe;
    if (it->is_regular_file(fe)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& manifest : files) {
    const auto json = nlohmann::json::parse(read_small_file(manifest), nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("layers") ||
        !json["layers"].is_array()) {
      continue;  // not a manifest (Ollama keeps nothing else here)
    }
    for (const auto& layer : json["layers"]) {
      if (!layer.is_object() || layer.value("mediaType", "") != kOllamaModelType) continue;
      const std::string digest = layer.value("digest", "");
      DiscoveredModel m;
      m.source = "ollama";
      m.name = ollama_name(fs::relative(manifest, manifests, ec));
      // "sha256:HEX" -> blobs/sha256-HEX; anything else could escape the blob folder.
      const bool ok_digest = digest.rfind("sha256:", 0) == 0 && digest.size() == 7 + 64 &&
                             digest.find_first_not_of("0123456789abcdef", 7) == std::string::npos;
      if (!ok_digest) {
        m.path = manifest;
        m.problem = "the Ollama manifest names the model by an unexpected digest '" + digest +
                    "'; run `ollama pull " + m.name + "` again";
      } else {
        m.path = dir / "blobs" / ("sha256-" + digest.substr(7));
        if (!fs::is_regular_file(m.path, ec)) {
          m.problem = "the weights blob is missing from Ollama's store; run `ollama pull " +
                      m.name + "` again";
        } else {
          describe(m);
        }
      }
      out.push_back(std::move(m));
    }
  }
}

void find_in_folder(const fs::path& root, const std::string& source, int max_depth,
                    std::stop_token stop, std::vector<DiscoveredModel>& out) {
  for (const fs::path& p : gguf_files(root, max_depth, stop)) {
    DiscoveredModel m;
    m.path = p;
    m.source = source;
    m.name = p.stem().string();
    describe(m);
    out.push_back(std::move(m));
  }
}

}  // namespace

DiscoveryOptions default_discovery_options(const EnvLookup& env) {
  DiscoveryOptions o;
  const auto home = env("HOME");
  if (const auto ollama = env("OLLAMA_MODELS")) o.ollama_dir = *ollama;
  if (!home) return o;
  const fs::path h = *home;
  o.user_folders = {h / "models", h / ".local/share/quire/models"};
  if (o.ollama_dir.empty()) o.ollama_dir = h / ".ollama/models";
  o.lm_studio_dirs = {h / ".lmstudio/models", h / ".cache/lm-studio/models"};
  o.gpt4all_dir = h / ".local/share/nomic.ai/GPT4All";
  return o;
}

Result<std::vector<DiscoveredModel>> discover_models(const DiscoveryOptions& o,
                                                     std::stop_token stop) {
  std::vector<DiscoveredModel> found;
  for (const fs::path& d : o.user_folders) find_in_folder(d, "folder", o.max_depth, stop, found);
  if (!o.ollama_dir.empty()) find_ollama(o.ollama_dir, o.max_depth, stop, found);
  for (const fs::path& d : o.lm_studio_dirs) {
    find_in_folder(d, "lmstudio", o.max_depth, stop, found);
  }
  if (!o.gpt4all_dir.empty()) find_in_folder(o.gpt4all_dir, "gpt4all", o.max_depth, stop, found);
  if (stop.stop_requested()) return cancelled_error("looking for models");
  std::vector<DiscoveredModel> out;
  std::set<fs::path> seen;
  for (DiscoveredModel& m : found) {
    std::error_code ec;
    const fs::path key = fs::weakly_canonical(m.path, ec);
    if (!seen.insert(ec ? m.path : key).second) continue;
    out.push_back(std::move(m));
  }
  return out;
}

DiscoveredModel describe_model_file(const fs::path& path) {
  DiscoveredModel m;
  m.path = path;
  m.source = "file";
  m.name = path.stem().string();
  describe(m);
  return m;
}

}  // namespace quire::app
