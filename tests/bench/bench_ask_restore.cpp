// Time to the first answer token on a long document: cold (ingest + prefill of the whole document
// prefix, which ask() then saves as a snapshot) vs restored (the snapshot read back from disk and
// only the question prefilled), in one run, on the same model, session and document.
//
// What is timed: app::ask() with max_tokens = 1, from the call to its return, i.e. the first
// answer token plus ask's bookkeeping after it (citations, span report, SQLite rows; small and
// the same in both runs). Not timed: loading the model (an open application keeps it loaded; a
// restarted one loads it in both cases).
//   cold:           a fresh data folder: the document is ingested, its prefix prefilled and saved;
//   restored disk:  the snapshot's pages are dropped from the page cache first
//                   (posix_fadvise DONTNEED after it was written with fsync), so it is read from
//                   the disk as after a reboot;
//   restored cache: the same again without dropping (the snapshot still in the page cache).
// Each restored run asks a different question, so only the snapshot is shared.
//
// The document is generated text, sized with the model's own tokenizer so that the prompt prefix
// (template, system prompt, document) holds about --tokens tokens.
//
// Usage: bench_ask_restore --model M.gguf [--tokens 32768] [--threads 2] [--kv-type f16|q8_0]
//                          [--attention full|tensorized|hybrid] [--keep DIR]
//   e.g. quire-cli debug make-model --shape tinyllama --type q8_0 --out tl.gguf
//        bench_ask_restore --model tl.gguf --tokens 32768 --attention hybrid
// Not run by ctest (a measurement, not a test).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/analysis/ask.h"
#include "app/store/paths.h"
#include "app/store/user_database.h"
#include "engine/attention/attention_config.h"
#include "engine/model/model.h"
#include "engine/runtime/session.h"
#include "kernels/kv_codec.h"

namespace {

namespace fs = std::filesystem;
using quire::app::AskRequest;
using quire::app::AskResult;

std::optional<std::string> arg(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (name == argv[i]) return std::string(argv[i + 1]);
  }
  return std::nullopt;
}

// Paragraphs of varied sentences until the text holds `target` tokens of `model`'s tokenizer.
std::string make_document(const quire::engine::Model& model, int64_t target) {
  static constexpr std::string_view kWords[] = {
      "river", "mill", "boats", "lantern", "harbour", "ledger", "orchard", "winter", "signal",
      "copper", "meadow", "archive", "bridge", "market", "candle", "valley", "engine", "letter"};
  std::string text;
  uint32_t x = 12345;
  int64_t tokens = 0;
  for (int para = 1; tokens < target; ++para) {
    std::string p = fmt::format("Section {}. ", para);
    for (int s = 0; s < 6; ++s) {
      for (int w = 0; w < 9; ++w) {
        x = x * 1664525u + 1013904223u;
        p += kWords[(x >> 16) % std::size(kWords)];
        p += w == 8 ? ". " : " ";
      }
    }
    p += "\n\n";
    const auto n = int64_t(model.tokenizer().encode(p, false, false).size());
    if (tokens + n > target) break;
    text += p;
    tokens += n;
  }
  return text;
}

struct Run {
  AskResult result;
  double wall_s = 0;
};

quire::Result<Run> timed_ask(quire::app::Database& db, const fs::path& snapshots,
                             quire::engine::Session& session, const AskRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = quire::app::ask(db, snapshots, session, request, {});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r) return std::move(r).error();
  return Run{std::move(*r), s};
}

// Drops every snapshot file's pages from the page cache (they were written with fsync, so the
// pages are clean and the kernel lets them go).
void drop_snapshot_pages(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

void print_run(std::string_view name, const Run& run) {
  const AskResult& r = run.result;
  fmt::print("{:<15} {:>9.3f} s   prefilled {:>6} tokens in {:>8.3f} s, restore {:>6.3f} s, "
             "first token {:.3f} s{}\n",
             name, run.wall_s, r.prefill_tokens, r.prefill_s, r.restore_s, r.decode_s,
             r.restored_from_snapshot ? "  (restored)" : "");
}

int fail(const quire::Error& e) {
  fmt::print(stderr, "bench_ask_restore: {}\n", e.message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto model_path = arg(argc, argv, "--model");
  if (!model_path) {
    fmt::print(stderr, "usage: bench_ask_restore --model M.gguf [--tokens N] [--threads T] "
                       "[--kv-type f16|q8_0] [--attention full|tensorized|hybrid] [--keep DIR]\n");
    return 2;
  }
  const int64_t target = std::strtoll(arg(argc, argv, "--tokens").value_or("32768").c_str(),
                                      nullptr, 10);
  auto model = quire::engine::Model::load(*model_path);
  if (!model) return fail(model.error());

  quire::engine::SessionConfig config;
  config.n_threads = std::atoi(arg(argc, argv, "--threads").value_or("2").c_str());
  config.kv_type = arg(argc, argv, "--kv-type").value_or("f16") == "q8_0" ? kern::KvType::q8_0
                                                                          : kern::KvType::f16;
  const std::string mode = arg(argc, argv, "--attention").value_or("full");
  if (!quire::engine::parse_attention_mode(mode, config.attention.mode)) {
    fmt::print(stderr, "bench_ask_restore: --attention {}: choose full, tensorized or hybrid\n",
               mode);
    return 2;
  }
  config.sampler.temperature = 0;
  // The prefix is the chat template, the system prompt, a document header and the document;
  // ask() keeps room for the question (256 tokens) and the answer.
  const auto system_tokens = int64_t(
      (*model)->tokenizer().encode(quire::app::kDefaultSystemPrompt, false, false).size());
  const int64_t doc_tokens = target - system_tokens - 64;
  config.n_ctx = target + 512;

  const fs::path home = arg(argc, argv, "--keep").value_or(
      (fs::temp_directory_path() / fmt::format("quire-bench-restore-{}", ::getpid())).string());
  fs::create_directories(home);
  const fs::path doc = home / "document.txt";
  std::ofstream(doc, std::ios::binary) << make_document(**model, doc_tokens);
  auto paths = quire::app::resolve_paths([&](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "QUIRE_HOME") return (home / "home").string();
    return std::nullopt;
  });
  if (!paths) return fail(paths.error());
  auto db = quire::app::open_user_database(*paths);
  if (!db) return fail(db.error());
  auto session = quire::engine::Session::create(*model, config);
  if (!session) return fail(session.error());

  AskRequest request;
  request.documents = {doc};
  request.max_tokens = 1;
  fmt::print("model {} ({} layers, {} wide), {} threads, kv {}, attention {}, data in {}\n",
             *model_path, (*model)->config().n_layer, (*model)->config().n_embd,
             config.n_threads, kern::kv_type_name(config.kv_type),
             quire::engine::attention_mode_name(config.attention.mode), home.string());
  std::fflush(stdout);

  request.question = "Which section mentions the copper bridge?";
  auto cold = timed_ask(*db, paths->snapshots_dir(), **session, request);
  if (!cold) return fail(cold.error());
  fmt::print("prompt: {} tokens (document prefix {})\n", cold->result.context_tokens,
             cold->result.prefix_tokens);
  print_run("cold", *cold);

  drop_snapshot_pages(paths->snapshots_dir());
  request.question = "Where is the lantern kept?";
  auto disk = timed_ask(*db, paths->snapshots_dir(), **session, request);
  if (!disk) return fail(disk.error());
  print_run("restored disk", *disk);

  request.question = "What does the ledger record?";
  auto cached = timed_ask(*db, paths->snapshots_dir(), **session, request);
  if (!cached) return fail(cached.error());
  print_run("restored cache", *cached);

  if (!disk->result.restored_from_snapshot || !cached->result.restored_from_snapshot) {
    fmt::print(stderr, "bench_ask_restore: a restored run did not restore the snapshot\n");
    return 1;
  }
  uintmax_t snapshot_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(paths->snapshots_dir())) {
    if (e.is_regular_file()) snapshot_bytes += e.file_size();
  }
  fmt::print("snapshot: {:.1f} MiB\n", double(snapshot_bytes) / (1 << 20));
  fmt::print("time to first answer token, cold / restored: {:.1f}x (disk), {:.1f}x (page cache)\n",
             cold->wall_s / disk->wall_s, cold->wall_s / cached->wall_s);
  if (!arg(argc, argv, "--keep")) fs::remove_all(home);
  return 0;
}
