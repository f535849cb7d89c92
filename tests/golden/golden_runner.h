// Runs a golden script of this folder with Debian's /usr/bin/python3 (numpy) and parses its
// golden_io output: arrays by name. An unreadable run leaves the map without the names asked
// for, which the caller's size assertions report.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace quire::golden {

using Arrays = std::map<std::string, std::vector<double>>;

inline Arrays run_golden(const std::string& script, const std::string& args) {
  const std::string cmd = "cd '" QUIRE_GOLDEN_DIR "' && /usr/bin/python3 " + script + " " + args;
  Arrays arrays;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << cmd;
    return arrays;
  }
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << "golden script failed: " << cmd;
  std::istringstream in(text);
  std::string name;
  size_t count;
  while (in >> name >> count) {
    std::vector<double>& values = arrays[name];
    values.resize(count);
    for (double& v : values) in >> v;
    if (!in) {
      ADD_FAILURE() << "malformed golden output for " << name << " from " << cmd;
      break;
    }
  }
  return arrays;
}

inline std::vector<float> as_floats(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

}  // namespace quire::golden
