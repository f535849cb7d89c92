// quire-cli convert t6 CHECKPOINT_DIR --out MODEL.gguf [--type f16|f32] [--name NAME]
//   Converts a T6 (Tensor Product Attention) checkpoint to GGUF arch `t6` by running
//   resources/convert/convert_t6.py with Debian's /usr/bin/python3 (the script documents the
//   format). The script is looked up next to the installed executable
//   (<prefix>/share/quire/convert) first, then in the source tree this binary was built from
//   (QUIRE_CONVERT_SOURCE_DIR), so a build directory works without installing.
// Exit codes: 0 converted; 3 (bad input) when python3 or the script is missing or the
// checkpoint is refused (the script's message is printed); 1 when the script cannot be started.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"

extern char** environ;

namespace quire::app {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

struct ConvertOptions {
  std::string checkpoint;
  std::string out;
  std::string type = "f16";
  std::string name;
};

Result<fs::path> find_script(const char* script) {
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/quire/convert" / script);
  candidates.push_back(fs::path(QUIRE_CONVERT_SOURCE_DIR) / script);
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p;
  }
  return make_error(Errc::not_found,
                    "the converter {} is neither in {} nor in {}; reinstall Quire or run from "
                    "its build directory",
                    script, candidates.front().parent_path().string(),
                    candidates.back().parent_path().string());
}

// Runs argv[0] with argv (no shell: paths pass through as they are) and returns its exit status.
Result<int> run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int err = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); err != 0) {
    return make_error(Errc::io_error, "cannot start {}: {}", args[0],
                      std::error_code(err, std::generic_category()).message());
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return make_error(Errc::io_error, "lost track of {}: {}", args[0],
                        std::error_code(errno, std::generic_category()).message());
    }
  }
  if (!WIFEXITED(status)) {
    return make_error(Errc::io_error, "{} was killed by signal {}", args[1], WTERMSIG(status));
  }
  return WEXITSTATUS(status);
}

int run_convert_t6(const ConvertOptions& o) {
  std::error_code ec;
  if (!fs::exists(kPython, ec)) {
    return report_error(make_error(Errc::not_found,
                                   "{} is missing; the T6 converter needs Debian's python3 and "
                                   "python3-torch (apt-get install python3-torch)",
                                   kPython));
  }
  auto script = find_script("convert_t6.py");
  if (!script) return report_error(script.error());
  std::vector<std::string> args = {kPython, script->string(), o.checkpoint, "--out", o.out,
                                   "--type", o.type};
  if (!o.name.empty()) {
    args.push_back("--name");
    args.push_back(o.name);
  }
  auto status = run_process(args);
  if (!status) return report_error(status.error());
  if (*status != 0) {
    fmt::print(stderr, "quire-cli: converting {} failed (the converter's message is above)\n",
               o.checkpoint);
    return *status == 2 ? kExitBadInput : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_convert_command(CLI::App& root, CommandRun& run) {
  CLI::App* cmd = root.add_subcommand("convert", "Convert a checkpoint of another format to GGUF");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<ConvertOptions>();
  CLI::App* t6 = cmd->add_subcommand(
      "t6", "T6 (Tensor Product Attention) checkpoint: config.json + pytorch_model.bin or "
            "model.safetensors, full TPA or KV-only");
  t6->add_option("checkpoint", opts->checkpoint, "Checkpoint folder")->required();
  t6->add_option("--out", opts->out, "GGUF file to write")->required();
  t6->add_option("--type", opts->type, "Element type of the weight matrices")
      ->check(CLI::IsMember({"f16", "f32"}));
  t6->add_option("--name", opts->name, "general.name of the model (default: the folder name)");
  t6->callback([opts, &run] { run = [opts] { return run_convert_t6(*opts); }; });
}

}  // namespace quire::app
