#include "tests/golden/golden_env.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace quire::test {

ScratchDir::ScratchDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "quire-tok-XXXXXX").string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

bool have_program(const std::string& program) {
  return run_shell("command -v " + shell_quote(program) + " >/dev/null 2>&1") == 0;
}

bool write_corpus(const std::filesystem::path& file) {
  // `bible -f` prints "Ge1:1 In the beginning ..."; the references stay, so that the vocabularies
  // learn digit pieces and the goldens see how digit runs are split.
  return run_shell("bible -f gen1:1-50:26 > " + shell_quote(file.string())) == 0 &&
         std::filesystem::file_size(file) > 100000;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace quire::test
