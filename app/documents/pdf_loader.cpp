#include "app/documents/pdf_loader.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>
#include <mutex>
#include <vector>

#include "app/documents/file_bytes.h"
#include "engine/base/log.h"

namespace quire::app {
namespace {

// Poppler prints parser complaints to stderr by default; route them to Quire's debug log.
// The setting is process-wide in poppler, hence call_once.
void route_poppler_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function(
        [](const std::string& msg, void*) { log::debug("poppler: {}", msg); }, nullptr);
  });
}

std::string to_utf8(const poppler::ustring& s) {
  const poppler::byte_array bytes = s.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

bool is_letter_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

bool is_lower_start(std::string_view s) {
  if (s.empty()) return false;
  const auto u = static_cast<unsigned char>(s[0]);
  return (u >= 'a' && u <= 'z') || u >= 0xC3;  // ASCII lowercase, or a non-ASCII letter
}

Result<Document> read_document(std::unique_ptr<poppler::document> pdf, std::string_view head,
                               const std::string& name, std::stop_token stop,
                               const ExtractOptions& options, const quire::ProgressSink& progress) {
  if (!pdf) {
    if (!head.starts_with("%PDF-") && head.find("%PDF-") == std::string_view::npos) {
      return make_error(Errc::corrupt_data, "{}: not a PDF file (no %PDF- header)", name);
    }
    return make_error(Errc::corrupt_data,
                      "{}: the PDF is damaged and cannot be read; try re-downloading it or "
                      "repairing it with qpdf",
                      name);
  }
  if (pdf->is_locked()) {
    if (options.password.empty()) {
      return make_error(Errc::permission_denied,
                        "{}: the PDF is encrypted; give its password (--password)", name);
    }
    return make_error(Errc::permission_denied,
                      "{}: the password given does not open this encrypted PDF", name);
  }
  const int n = pdf->pages();
  if (n <= 0) return make_error(Errc::corrupt_data, "{}: the PDF has no pages", name);

  Document doc;
  doc.kind = "pdf";
  doc.pages = n;
  doc.title = to_utf8(pdf->info_key("Title"));
  ProgressTracker tracker("ingest", "pages", n, progress);
  bool any_text = false;
  for (int i = 0; i < n; ++i) {
    if (stop.stop_requested()) return cancelled_error("reading " + name);
    std::unique_ptr<poppler::page> page(pdf->create_page(i));
    Segment seg;
    seg.page = i + 1;
    seg.char_begin = int64_t(doc.text.size());
    if (page) {
      std::string text = repair_pdf_text(
          to_utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout)));
      any_text = any_text || !text.empty();
      if (int64_t(doc.text.size() + text.size()) > options.max_total_bytes) {
        return make_error(Errc::unsupported,
                          "{}: the text passes the {} limit for one document at page {} of {}",
                          name, format_bytes(options.max_total_bytes), i + 1, n);
      }
      doc.text += text;
      std::string label = to_utf8(page->label());
      if (!label.empty() && label != std::to_string(i + 1)) seg.page_label = std::move(label);
    }
    seg.char_end = int64_t(doc.text.size());
    doc.segments.push_back(std::move(seg));
    tracker.advance();
  }
  tracker.finish();
  if (!any_text) {
    return make_error(Errc::unsupported,
                      "{}: none of its {} pages has a text layer (a scanned or image-only PDF); "
                      "OCR is not supported, run an OCR tool such as ocrmypdf first",
                      name, n);
  }
  return doc;
}

}  // namespace

std::string repair_pdf_text(std::string_view in) {
  static constexpr std::string_view kLigatures[][2] = {
      {"\xEF\xAC\x80", "ff"}, {"\xEF\xAC\x81", "fi"},  {"\xEF\xAC\x82", "fl"},
      {"\xEF\xAC\x83", "ffi"}, {"\xEF\xAC\x84", "ffl"}, {"\xEF\xAC\x85", "st"},
      {"\xEF\xAC\x86", "st"}};
  // Pass 1: ligatures, line endings, form feeds.
  std::string s;
  s.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    if (in[i] == '\xEF' && i + 2 < in.size() && in[i + 1] == '\xAC') {
      bool replaced = false;
      for (const auto& [lig, letters] : kLigatures) {
        if (in.substr(i, 3) == lig) {
          s += letters;
          i += 3;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    if (in[i] == '\r') {
      s.push_back('\n');
      i += (i + 1 < in.size() && in[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    s.push_back(in[i] == '\f' ? '\n' : in[i]);
    ++i;
  }
  // Pass 2: "word-\nnext rest" -> "wordnext\nrest" when a letter precedes the hyphen (hard or
  // soft, U+00AD) and a lowercase letter follows; capitalized next words ("Jean-\nPaul") and
  // numbers keep their hyphen, since those are usually real hyphens.
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t hyphen_len = 0;
    if (s[i] == '-') hyphen_len = 1;
    else if (s.compare(i, 2, "\xC2\xAD") == 0) hyphen_len = 2;
    if (hyphen_len && !out.empty() && is_letter_byte(out.back()) &&
        i + hyphen_len < s.size() && s[i + hyphen_len] == '\n' &&
        is_lower_start(std::string_view(s).substr(i + hyphen_len + 1))) {
      size_t j = i + hyphen_len + 1;
      while (j < s.size() && s[j] != ' ' && s[j] != '\n') out.push_back(s[j++]);
      out.push_back('\n');
      if (j < s.size() && s[j] == ' ') ++j;
      else if (j < s.size() && s[j] == '\n') ++j;
      i = j;
      continue;
    }
    out.push_back(s[i]);
    ++i;
  }
  // Trailing whitespace of the page, then exactly one final newline.
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  if (!out.empty()) out.push_back('\n');
  return out;
}

Result<Document> load_pdf_bytes(std::string_view bytes, const std::string& name,
                                std::stop_token stop, const ExtractOptions& options,
                                const quire::ProgressSink& progress) {
  route_poppler_messages();
  if (bytes.size() > size_t(1) << 31) {
    return make_error(Errc::unsupported, "{}: a PDF over 2 GiB cannot be read", name);
  }
  std::unique_ptr<poppler::document> pdf(poppler::document::load_from_raw_data(
      bytes.data(), int(bytes.size()), options.password, options.password));
  return read_document(std::move(pdf), bytes.substr(0, 1024), name, stop, options, progress);
}

Result<Document> load_pdf(const std::filesystem::path& path, std::stop_token stop,
                          const ExtractOptions& options, const quire::ProgressSink& progress) {
  // Read through read_file_bytes so the size cap and the messages for missing or unreadable
  // files are the same as for every other loader.
  auto bytes = read_file_bytes(path, options.max_file_bytes);
  if (!bytes) return bytes.error();
  auto doc = load_pdf_bytes(*bytes, path.string(), stop, options, progress);
  if (doc && doc->title.empty()) doc->title = path.stem().string();
  return doc;
}

}  // namespace quire::app
