// Model-level commands over the engine's Model and CpuForward:
//   tokenize --model M (--text T | --file F) [--json]   token ids (and pieces) of a text
//   logits --model M --tokens "1 2 3" --out FILE.npy [--kv-type T] [--greedy N] [--threads N]
//          [--attention full|tensorized|hybrid --tensor-dims ...] (hybrid: the tokens are the
//          document, the greedy tokens run exact)
//       float32 logits [n_tokens, n_vocab] of one forward pass over the tokens; --greedy N then
//       decodes N more tokens one at a time (argmax, lowest id on ties) and prints their ids.
//       Float activations throughout (the exact numerics the golden tests compare with a float64
//       reference); --q8-activations decodes with 8-bit activations as generate and bench do.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/attention_options.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/io/npy.h"
#include "engine/model/model.h"
#include "engine/runtime/forward.h"
#include "kernels/q8_act.h"
#include "kernels/thread_pool.h"

namespace quire::app {

namespace {

int fail(const Error& e) {
  fmt::print(stderr, "quire-cli: {}\n", e.message);
  return exit_code_for(e.code);
}

Result<std::vector<int32_t>> parse_tokens(const std::string& text) {
  std::vector<int32_t> ids;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    int32_t id = 0;
    const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (ec != std::errc() || end != word.data() + word.size()) {
      return make_error(Errc::invalid_argument,
                        "--tokens: '{}' is not a token id; give space-separated integers", word);
    }
    ids.push_back(id);
  }
  if (ids.empty()) {
    return make_error(Errc::invalid_argument, "--tokens is empty; give at least one token id");
  }
  return ids;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::not_found, "{}: cannot open the file; check the path", path);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void add_tokenize_command(CLI::App& root, CommandRun& run) {
  struct Options {
    std::string model, text, file;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = root.add_subcommand("tokenize", "Show the model's token ids for a text");
  cmd->add_option("--model", opts->model, "Path of a .gguf model")->required();
  auto* text = cmd->add_option("--text", opts->text, "The text");
  auto* file = cmd->add_option("--file", opts->file, "A UTF-8 text file");
  text->excludes(file);
  cmd->add_flag("--json", opts->json, "Print one JSON object: ids and pieces");
  cmd->parse_complete_callback([&run, opts, text, file] {
    run = [opts, has_text = text->count() > 0, has_file = file->count() > 0]() -> int {
      if (!has_text && !has_file) {
        return fail(make_error(Errc::invalid_argument, "tokenize needs --text or --file"));
      }
      std::string input = opts->text;
      if (has_file) {
        auto t = read_text_file(opts->file);
        if (!t) return fail(t.error());
        input = std::move(*t);
      }
      auto model = engine::Model::load(opts->model);
      if (!model) return fail(model.error());
      const engine::Tokenizer& tok = (*model)->tokenizer();
      const std::vector<int32_t> ids = tok.encode(input, true, false);
      if (opts->json) {
        // Pieces may be partial UTF-8 characters: dump() replaces invalid bytes with U+FFFD.
        nlohmann::json pieces = nlohmann::json::array();
        for (int32_t id : ids) pieces.push_back(tok.token_to_piece(id));
        const nlohmann::json out = {{"n_tokens", ids.size()}, {"ids", ids}, {"pieces", pieces}};
        fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      } else {
        fmt::print("{}\n", fmt::join(ids, " "));
      }
      return kExitOk;
    };
  });
}

void add_logits_command(CLI::App& root, CommandRun& run) {
  struct Options {
    std::string model, tokens, out, kv_type = "f16";
    int greedy = 0;
    int threads = 0;
    bool q8_activations = false;
    AttentionOptions attention;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = root.add_subcommand(
      "logits", "Run the model over token ids and save the logits as a .npy file");
  cmd->add_option("--model", opts->model, "Path of a .gguf model")->required();
  cmd->add_option("--tokens", opts->tokens, "Space-separated token ids, e.g. \"1 2 3\"")
      ->required();
  cmd->add_option("--out", opts->out, "Output .npy: float32 [n_tokens, n_vocab]")->required();
  cmd->add_option("--kv-type", opts->kv_type, "KV cache element type: f32, f16 or q8_0")
      ->check(CLI::IsMember({"f32", "f16", "q8_0"}))
      ->capture_default_str();
  cmd->add_option("--greedy", opts->greedy, "Then decode N tokens greedily; print their ids")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", opts->threads, "CPU threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--q8-activations", opts->q8_activations,
                "Round activations to 8 bits for quantized weights in decode, as generate and "
                "bench do (default: float activations, comparable with a float reference)");
  add_attention_options(cmd, opts->attention);
  cmd->parse_complete_callback([&run, opts] {
    run = [opts]() -> int {
      kern::cpu::set_q8_activations(opts->q8_activations);
      auto tokens = parse_tokens(opts->tokens);
      if (!tokens) return fail(tokens.error());
      auto attention = attention_config(opts->attention);
      if (!attention) return fail(attention.error());
      auto model = engine::Model::load(opts->model);
      if (!model) return fail(model.error());
      const kern::KvType kv_type = opts->kv_type == "f32"   ? kern::KvType::f32
                                   : opts->kv_type == "q8_0" ? kern::KvType::q8_0
                                                             : kern::KvType::f16;
      const int64_t n_ctx = static_cast<int64_t>(tokens->size()) + opts->greedy;
      auto cache = engine::KvCache::create(
          engine::kv_cache_config((*model)->config(), n_ctx, kv_type));
      if (!cache) return fail(cache.error());
      kern::ThreadPool pool(opts->threads);
      engine::CpuForward forward(*model, &pool, *attention);
      std::vector<float> logits;
      if (auto ok = forward.run(*cache, *tokens, true, logits); !ok) return fail(ok.error());
      const int64_t n_vocab = (*model)->config().n_vocab;
      if (auto ok = write_npy_f32(opts->out, logits,
                                  {static_cast<int64_t>(tokens->size()), n_vocab});
          !ok) {
        return fail(ok.error());
      }
      if (opts->greedy > 0) {
        forward.end_tensorized_prefill();  // hybrid: the tokens were the document
        std::vector<int32_t> generated;
        std::vector<float> last(logits.end() - n_vocab, logits.end());
        for (int i = 0; i < opts->greedy; ++i) {
          const int32_t next =
              static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
          generated.push_back(next);
          if (i + 1 == opts->greedy) break;
          if (auto ok = forward.run(*cache, std::span(&next, 1), false, last); !ok) {
            return fail(ok.error());
          }
        }
        fmt::print("{}\n", fmt::join(generated, " "));
      }
      return kExitOk;
    };
  });
}

}  // namespace quire::app
