// store_crash_writer DATA_DIR SEED: writes documents and KV snapshots into DATA_DIR in an endless
// loop, for test_store_crash_safety, which kills it with SIGKILL at random moments.
//
// Every payload is self-describing (payload_is_consistent in crash_payload.h), so the test can
// tell a complete snapshot from a torn one without knowing what the writer was doing.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "app/store/snapshot_store.h"
#include "crash_payload.h"

int main(int argc, char** argv) {
  using namespace quire::app;
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer DATA_DIR SEED\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::mt19937_64 rng(std::strtoull(argv[2], nullptr, 10));
  auto db = Database::open(dir / "quire.db");
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message.c_str());
    return 1;
  }
  auto store = SnapshotStore::open(*db, dir / "snapshots", {int64_t{1} << 20});
  if (!store) return 1;
  DocumentRepo docs(*db);
  for (uint64_t n = 0;; ++n) {
    const uint64_t r = rng();
    if (r % 3 == 0) {
      Document doc;
      doc.kind = "text";
      doc.path = "/doc" + std::to_string(r % 7);
      doc.title = doc.path;
      for (int i = 0; i < 1 + int(r % 50); ++i) {
        Segment s;
        s.char_begin = static_cast<int64_t>(doc.text.size());
        doc.text += "word" + std::to_string((r >> 8) % 1000) + " line " + std::to_string(i) + "\n";
        s.char_end = static_cast<int64_t>(doc.text.size());
        doc.segments.push_back(s);
      }
      auto ok = docs.ingest(doc, {std::to_string(r % 5), int64_t(doc.text.size()), int64_t(n)});
      if (!ok) std::fprintf(stderr, "ingest: %s\n", ok.error().message.c_str());
    } else if (r % 3 == 1) {
      const SnapshotKey key{"model", "full", "prefix" + std::to_string(r % 11), "f16"};
      const auto payload = quire::app::testing::make_payload(r, 1000 + (r >> 16) % 200000);
      auto ok = store->write(key, int64_t(r % 4096), payload);
      if (!ok) std::fprintf(stderr, "write: %s\n", ok.error().message.c_str());
    } else if (r % 17 == 2) {
      if (auto rows = docs.list(); rows && !rows->empty()) (void)docs.remove((*rows)[0].id);
    } else {
      (void)store->read({"model", "full", "prefix" + std::to_string(r % 11), "f16"});
    }
  }
}
