// Model discovery: the GGUF files a person already has, listed in place (never copied) with what
// their headers say. Looked for in:
//   user folders   a configurable list (default ~/models and ~/.local/share/quire/models),
//                  searched recursively for *.gguf
//   Ollama         ~/.ollama/models (OLLAMA_MODELS overrides): each manifest under
//                  manifests/HOST/NAMESPACE/NAME/TAG is JSON whose "layers" entry with mediaType
//                  "application/vnd.ollama.image.model" names the weights by "digest"
//                  ("sha256:HEX"), stored as blobs/sha256-HEX; listed as NAME:TAG
//                  (NAMESPACE/NAME:TAG outside "library", HOST/... outside registry.ollama.ai)
//   LM Studio      ~/.lmstudio/models and ~/.cache/lm-studio/models (PUBLISHER/MODEL/*.gguf)
//   GPT4All        ~/.local/share/nomic.ai/GPT4All (*.gguf)
// Folders that do not exist are skipped (that program is not installed). Each file is opened with
// gguf::File::open (mmap; only the header pages are touched) for its architecture, parameter
// count, quant type and context length; a file that does not open is still listed, with the
// reason, so a person sees why a model they expected is unusable. A file reachable twice (a
// symlink into Ollama's store) is listed once, from the first place found.
//
// Threads: a pure function of the file system; safe on any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "app/store/paths.h"
#include "engine/base/result.h"

namespace quire::app {

struct DiscoveryOptions {
  std::vector<std::filesystem::path> user_folders;
  std::filesystem::path ollama_dir;                    // empty: not searched
  std::vector<std::filesystem::path> lm_studio_dirs;
  std::filesystem::path gpt4all_dir;                   // empty: not searched
  int max_depth = 6;  // folder levels below each root (guards against huge trees)
};

// The default places for HOME (and OLLAMA_MODELS). Without HOME: no default folders.
DiscoveryOptions default_discovery_options(const EnvLookup& env = process_env);

struct DiscoveredModel {
  std::filesystem::path path;  // the weights file (an Ollama blob for Ollama models)
  std::string source;          // folder | ollama | lmstudio | gpt4all
  std::string name;            // Ollama NAME:TAG; otherwise the file name without ".gguf"
  uint64_t bytes = 0;
  std::string architecture;    // general.architecture; empty when absent or unreadable
  int64_t parameters = 0;      // sum of tensor elements
  std::string quant;           // the tensor type holding most bytes ("q4_K", "f16")
  int64_t context_length = 0;  // ARCH.context_length; 0 when absent
  std::string problem;         // empty when the header opened; else why it did not
};

// Every model found, by source in the order above, then by path. Errors: cancelled only;
// unreadable folders and files are skipped or reported per model.
Result<std::vector<DiscoveredModel>> discover_models(const DiscoveryOptions& options,
                                                     std::stop_token stop = {});

// One file described as discovery describes each model it finds (source "file", name the file
// name without ".gguf"); a file that does not open has `problem` set. For a model picked by hand.
DiscoveredModel describe_model_file(const std::filesystem::path& path);

}  // namespace quire::app
