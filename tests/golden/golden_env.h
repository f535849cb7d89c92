// Helpers for the tokenizer goldens: a scratch directory, shell commands for the reference tools,
// and the training corpus (Genesis from the KJV, public domain, via Debian's bible-kjv).
#pragma once

#include <filesystem>
#include <string>

namespace quire::test {

// A fresh directory under the system temp dir, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `command` with /bin/sh; returns its exit status (-1 when it could not run).
int run_shell(const std::string& command);

// Whether `program` is on PATH (or an executable path).
bool have_program(const std::string& program);

// Writes Genesis (one verse a line, "Ge1:1 In the beginning ...") to `file`; false on failure.
bool write_corpus(const std::filesystem::path& file);

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& bytes);

// Single-quoted for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace quire::test
