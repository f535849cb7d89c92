#include "app/documents/document_files.h"

#include <utility>

#include "app/documents/folder_walk.h"

namespace quire::app {
namespace fs = std::filesystem;

Result<DocumentFiles> list_document_files(const fs::path& path, std::stop_token stop,
                                          const ExtractOptions& options) {
  std::error_code ec;
  const fs::path root = fs::canonical(path, ec);
  if (ec) {
    return make_error(Errc::not_found, "{}: no such file or folder ({}); check the path",
                      path.string(), ec.message());
  }
  if (!fs::is_directory(root, ec)) {
    DocumentFiles single;
    single.root = root.parent_path();
    single.files.push_back(root);
    return single;
  }
  FolderWalk walk = walk_folder(root, options, /*skip_hidden=*/true, std::move(stop));
  if (walk.stopped) return cancelled_error("listing " + path.string());
  DocumentFiles out;
  out.root = root;
  out.skipped = std::move(walk.skipped);
  for (const WalkedFile& f : walk.files) out.files.push_back(root / fs::path(f.rel));
  return out;
}

}  // namespace quire::app
