// `quire-cli perplexity --model M --file F --ctx N`: the model's perplexity over a text file,
// with llama.cpp's windowing (engine/runtime/perplexity.h): prints the running value after each
// window ("[1]12.3456,[2]...") and then the final PPL with the number of tokens scored and the
// attention it ran with (--attention full|tensorized|hybrid, session_options.h).
// Ctrl-C stops (exit code 130).
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/interrupt.h"
#include "app/cli/session_options.h"
#include "engine/runtime/perplexity.h"

namespace quire::app {
namespace {

struct PerplexityArgs {
  SessionOptions session;
  std::string file;
};

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::not_found, "{}: cannot open the text file; check the path", path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(Errc::io_error, "{}: reading failed", path);
  return text.str();
}

int run_perplexity(PerplexityArgs& args) {
  std::stop_source stop;
  InterruptToStop interrupt(stop);
  auto text = read_text(args.file);
  if (!text) return report_error(text.error());
  const int64_t window = args.session.config.n_ctx;
  auto session = load_session(args.session);
  if (!session) return report_error(session.error());
  const engine::Tokenizer& tok = (*session)->model().tokenizer();
  // parse_special false: a text file's "</s>" is text, not a control token.
  const std::vector<int32_t> tokens = tok.encode(*text, /*add_special=*/true, false);
  const std::vector<int32_t> bos_only = tok.encode("", /*add_special=*/true, false);
  const int32_t bos = !bos_only.empty() && bos_only.front() == tok.bos() ? tok.bos() : -1;
  fmt::print(stderr, "{}: {} tokens, {} windows of {}\n", args.file, tokens.size(),
             tokens.size() / size_t(window), window);
  auto result = engine::perplexity(
      **session, tokens, window, bos, stop.get_token(),
      [](const engine::PerplexityProgress& p) {
        fmt::print("[{}]{:.4f},", p.window, p.ppl);
        std::fflush(stdout);
      });
  fmt::print("\n");
  if (!result) return report_error(result.error());
  const engine::AttentionConfig& a = (*session)->config().attention;
  const std::string attention =
      a.mode == engine::AttentionMode::full
          ? std::string("full")
          : fmt::format("{}, dims {}, {}, rope {}", engine::attention_mode_name(a.mode),
                        a.dims.to_string(), engine::tensor_variant_name(a.variant),
                        engine::tensor_rope_name(a.rope_kind));
  fmt::print("Final estimate: PPL = {:.4f} over {} tokens ({} windows of {}; attention {})\n",
             result->ppl, result->n_scored, result->n_windows, window, attention);
  return kExitOk;
}

}  // namespace

void add_perplexity_command(CLI::App& root, CommandRun& run) {
  auto args = std::make_shared<PerplexityArgs>();
  args->session.config.n_ctx = 512;
  CLI::App* cmd =
      root.add_subcommand("perplexity", "Measure a model's perplexity over a text file");
  add_session_options(cmd, args->session, /*with_ctx=*/true);
  cmd->add_option("-f,--file", args->file, "Text file")->required();
  cmd->parse_complete_callback([&run, args] { run = [args] { return run_perplexity(*args); }; });
}

}  // namespace quire::app
