// Document loader throughput (Google Benchmark; not run by CTest).
//
//   PdfVsPdftotext  pages per second of Quire's PDF loader and of `pdftotext` (poppler-utils)
//                   on the same PDF in the same run, and their ratio (quire / pdftotext; above 1
//                   means Quire is faster). PDF: $QUIRE_BENCH_PDF, else the generated large.pdf.
//   CodeTree        files per second reading a large code tree: $QUIRE_BENCH_TREE, else
//                   /usr/include (thousands of C and C++ headers on any Debian build machine).
//
// Run: build/<preset>/bin/bench_documents [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/documents/extract.h"
#include "app/documents/pdf_loader.h"

namespace {
namespace fs = std::filesystem;
using quire::app::extract;
using quire::app::ExtractOptions;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void PdfVsPdftotext(benchmark::State& state) {
  const std::string pdf = env_or("QUIRE_BENCH_PDF", std::string(QUIRE_DOC_FIXTURES) + "/large.pdf");
  const std::string reference = "pdftotext -q -enc UTF-8 '" + pdf + "' /dev/null";
  double quire_s = 0, ref_s = 0;
  int64_t pages = 0;
  for (auto _ : state) {
    std::stop_source ss;
    auto t0 = std::chrono::steady_clock::now();
    auto doc = extract(pdf, ss.get_token());
    const double q = seconds_since(t0);
    if (!doc) {
      state.SkipWithError(doc.error().message.c_str());
      return;
    }
    pages += doc->pages;
    quire_s += q;
    state.SetIterationTime(q);
    t0 = std::chrono::steady_clock::now();
    if (std::system(reference.c_str()) != 0) {
      state.SkipWithError("pdftotext failed; install poppler-utils");
      return;
    }
    ref_s += seconds_since(t0);
  }
  state.counters["quire_pages_per_s"] = double(pages) / quire_s;
  state.counters["pdftotext_pages_per_s"] = double(pages) / ref_s;
  state.counters["ratio_quire_over_pdftotext"] = ref_s / quire_s;
}
BENCHMARK(PdfVsPdftotext)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

void CodeTree(benchmark::State& state) {
  const std::string tree = env_or("QUIRE_BENCH_TREE", "/usr/include");
  ExtractOptions options;
  options.max_total_bytes = int64_t{2} << 30;
  options.max_files = 1000000;
  int64_t files = 0;
  int64_t skipped = 0;
  for (auto _ : state) {
    std::stop_source ss;
    auto doc = extract(tree, ss.get_token(), options);
    if (!doc) {
      state.SkipWithError(doc.error().message.c_str());
      return;
    }
    int64_t n = 0;
    std::string last;
    for (const auto& s : doc->segments) {
      if (s.file != last) {
        ++n;
        last = s.file;
      }
    }
    files += n;
    skipped += int64_t(doc->skipped.size());
  }
  state.counters["files_per_s"] = benchmark::Counter(double(files), benchmark::Counter::kIsRate);
  state.counters["files"] = double(files) / double(state.iterations());
  state.counters["skipped"] = double(skipped) / double(state.iterations());
}
BENCHMARK(CodeTree)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
