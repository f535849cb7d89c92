// Replay driver for the fuzz targets when libFuzzer is not used (the default build): feeds every
// file of the given corpus folders to LLVMFuzzerTestOneInput, then deterministic mutants of each
// (every prefix cut at 1/8 steps, and 64 variants with a few bytes overwritten by a fixed
// linear congruential sequence), so the CTest run exercises damaged inputs and not only the
// well-formed seeds. A crash or trap fails the test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Passes an exactly sized heap copy, as libFuzzer does, so a read one byte past the end is an
// AddressSanitizer report under the asan preset (a std::string's buffer has slack after it).
void run(const std::string& bytes) {
  const std::vector<uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      for (const auto& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no corpus files given\n");
    return 2;
  }
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  size_t runs = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    run(seed);
    ++runs;
    for (int k = 1; k < 8; ++k) {
      run(seed.substr(0, seed.size() * size_t(k) / 8));
      ++runs;
    }
    for (int k = 0; k < 64 && !seed.empty(); ++k) {
      std::string mutant = seed;
      const int flips = 1 + int(next() % 8);
      for (int f = 0; f < flips; ++f) mutant[next() % mutant.size()] = char(next() & 0xFF);
      run(mutant);
      ++runs;
    }
  }
  std::printf("replay: %zu inputs from %zu seeds, no crash\n", runs, files.size());
  return 0;
}
