#include "app/documents/extract.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "app/documents/code_loader.h"
#include "app/documents/epub_loader.h"
#include "app/documents/html_loader.h"
#include "app/documents/pdf_loader.h"
#include "app/documents/text_loader.h"

namespace quire::app {
namespace fs = std::filesystem;
namespace {

enum class Kind { pdf, epub, html, markdown, text };

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// The first bytes decide for PDFs and zip files whatever the extension says; the extension
// decides between the text formats.
Kind detect_kind(const fs::path& path) {
  char head[8] = {};
  size_t got = 0;
  if (std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose); f) {
    got = std::fread(head, 1, sizeof head, f.get());
  }
  const std::string_view magic(head, got);
  const std::string ext = lower(path.extension().string());
  if (magic.starts_with("%PDF-") || ext == ".pdf") return Kind::pdf;
  if (magic.starts_with("PK\x03\x04") || ext == ".epub") return Kind::epub;
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml") return Kind::html;
  if (ext == ".md" || ext == ".markdown") return Kind::markdown;
  return Kind::text;
}

}  // namespace

Result<Document> extract(const fs::path& path, std::stop_token stop, const ExtractOptions& options,
                         const quire::ProgressSink& progress) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (ec || !fs::exists(absolute, ec)) {
    return make_error(Errc::not_found, "{}: no such file or folder; check the path", path.string());
  }
  Result<Document> doc = make_error(Errc::internal, "no loader ran");
  if (fs::is_directory(absolute, ec)) {
    doc = load_code_folder(absolute, stop, options, progress);
  } else {
    const Kind kind = detect_kind(absolute);
    switch (kind) {
      case Kind::pdf: doc = load_pdf(absolute, stop, options, progress); break;
      case Kind::epub: doc = load_epub(absolute, stop, options, progress); break;
      case Kind::markdown:
      case Kind::text:
      case Kind::html: {
        // One read and one pass: progress is the single file, reported when it is done.
        ProgressTracker tracker("ingest", "files", 1, progress);
        doc = kind == Kind::html ? load_html(absolute, stop, options)
                                 : load_text(absolute, kind == Kind::markdown, stop, options);
        if (doc) tracker.finish();
        break;
      }
    }
  }
  if (doc) doc->path = absolute.lexically_normal().string();
  return doc;
}

}  // namespace quire::app
