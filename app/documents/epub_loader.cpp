#include "app/documents/epub_loader.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <vector>

#include "app/documents/file_bytes.h"
#include "app/documents/html_loader.h"
#include "app/documents/html_text.h"
#include "app/documents/text_encoding.h"

namespace quire::app {
namespace {

using Attributes = std::map<std::string, std::string>;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

bool wanted_entry(std::string_view name) {
  const std::string n = lower(name);
  for (std::string_view ext : {".xhtml", ".html", ".htm", ".xht", ".xml", ".opf", ".ncx"}) {
    if (n.ends_with(ext)) return true;
  }
  return false;
}

// Start tags whose local name (after any "prefix:") is `local`, with their attributes.
std::vector<Attributes> find_tags(std::string_view xml, std::string_view local) {
  std::vector<Attributes> out;
  size_t i = 0;
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    size_t j = i + 1;
    while (j < xml.size() && !std::isspace(static_cast<unsigned char>(xml[j])) && xml[j] != '>' &&
           xml[j] != '/') {
      ++j;
    }
    std::string_view name = xml.substr(i + 1, j - i - 1);
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) name = name.substr(colon + 1);
    const size_t end = xml.find('>', j);
    if (end == std::string_view::npos) break;
    if (name == local) {
      Attributes attrs;
      std::string_view rest = xml.substr(j, end - j);
      size_t k = 0;
      while (k < rest.size()) {
        while (k < rest.size() && (std::isspace(static_cast<unsigned char>(rest[k])) || rest[k] == '/')) ++k;
        const size_t eq = rest.find('=', k);
        if (eq == std::string_view::npos) break;
        std::string key(rest.substr(k, eq - k));
        while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
        if (const size_t colon = key.find(':'); colon != std::string::npos) key = key.substr(colon + 1);
        size_t v = eq + 1;
        while (v < rest.size() && std::isspace(static_cast<unsigned char>(rest[v]))) ++v;
        if (v >= rest.size() || (rest[v] != '"' && rest[v] != '\'')) break;
        const size_t close = rest.find(rest[v], v + 1);
        if (close == std::string_view::npos) break;
        attrs[key] = std::string(rest.substr(v + 1, close - v - 1));
        k = close + 1;
      }
      out.push_back(std::move(attrs));
    }
    i = end + 1;
  }
  return out;
}

// The text inside the first element whose local name is `local` ("dc:title" -> "title").
std::string element_text(std::string_view xml, std::string_view local) {
  size_t i = 0;
  while ((i = xml.find('<', i)) != std::string_view::npos) {
    const size_t gt = xml.find('>', i);
    if (gt == std::string_view::npos) return {};
    std::string_view name = xml.substr(i + 1, gt - i - 1);
    name = name.substr(0, name.find_first_of(" \t\r\n/"));
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) name = name.substr(colon + 1);
    if (name == local && xml[gt - 1] != '/') {
      const size_t close = xml.find("</", gt);
      if (close == std::string_view::npos) return {};
      std::string text = html_to_text(xml.substr(gt + 1, close - gt - 1)).text;
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      for (char& c : text) c = c == '\n' ? ' ' : c;
      return text;
    }
    i = gt + 1;
  }
  return {};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `href` relative to folder `dir` of the archive ("OEBPS/"), percent-decoded, without a
// fragment, with "." and ".." resolved; empty when it climbs out of the archive or is absolute.
std::string resolve_href(const std::string& dir, std::string_view href) {
  href = href.substr(0, href.find('#'));
  std::string decoded;
  for (size_t i = 0; i < href.size(); ++i) {
    if (href[i] == '%' && i + 2 < href.size() && hex_value(href[i + 1]) >= 0 && hex_value(href[i + 2]) >= 0) {
      decoded.push_back(char(hex_value(href[i + 1]) * 16 + hex_value(href[i + 2])));
      i += 2;
    } else {
      decoded.push_back(href[i]);
    }
  }
  if (decoded.empty() || decoded[0] == '/' || decoded.find("://") != std::string::npos) return {};
  std::vector<std::string> parts;
  const std::string full = dir + decoded;
  size_t pos = 0;
  while (pos <= full.size()) {
    size_t slash = full.find('/', pos);
    if (slash == std::string::npos) slash = full.size();
    const std::string part = full.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return {};
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

using Entries = std::map<std::string, std::string>;

Result<Entries> unpack(archive* a, const std::string& name, std::stop_token stop,
                       const ExtractOptions& options) {
  Entries entries;
  int64_t total = 0;
  int count = 0;
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return make_error(Errc::corrupt_data, "{}: not a readable EPUB (zip) archive: {}", name,
                        archive_error_string(a) ? archive_error_string(a) : "unknown error");
    }
    if (stop.stop_requested()) return cancelled_error("unpacking " + name);
    if (++count > options.max_archive_entries) {
      return make_error(Errc::corrupt_data,
                        "{}: the archive lists more than {} entries; refusing it as hostile or "
                        "damaged",
                        name, options.max_archive_entries);
    }
    const char* path = archive_entry_pathname(entry);
    if (!path || archive_entry_filetype(entry) != AE_IFREG || !wanted_entry(path)) continue;
    std::string data;
    char buf[65536];
    while (true) {
      const la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        const char* why = archive_error_string(a);
        return make_error(Errc::corrupt_data,
                          "{}: entry '{}' cannot be unpacked ({}); the file is damaged or "
                          "encrypted (DRM-protected books are not supported)",
                          name, path, why ? why : "unknown error");
      }
      total += n;
      if (total > options.max_total_bytes) {
        return make_error(Errc::corrupt_data,
                          "{}: unpacks to more than {} of text; refusing it as a zip bomb or a "
                          "damaged file",
                          name, format_bytes(options.max_total_bytes));
      }
      data.append(buf, size_t(n));
    }
    entries[path] = std::move(data);
  }
  return entries;
}

Result<Document> read_book(const Entries& entries, const std::string& name, std::stop_token stop,
                           const quire::ProgressSink& progress) {
  const auto container = entries.find("META-INF/container.xml");
  if (container == entries.end()) {
    return make_error(Errc::corrupt_data, "{}: not an EPUB (META-INF/container.xml is missing)", name);
  }
  std::string opf_path;
  for (const Attributes& a : find_tags(container->second, "rootfile")) {
    const auto it = a.find("full-path");
    if (it != a.end()) {
      opf_path = resolve_href("", it->second);
      break;
    }
  }
  const auto opf = entries.find(opf_path);
  if (opf_path.empty() || opf == entries.end()) {
    return make_error(Errc::corrupt_data, "{}: the EPUB's package file '{}' is missing", name, opf_path);
  }
  const std::string dir = opf_path.find('/') == std::string::npos
                              ? std::string()
                              : opf_path.substr(0, opf_path.rfind('/') + 1);
  std::map<std::string, std::string> manifest;  // id -> archive path
  for (const Attributes& a : find_tags(opf->second, "item")) {
    const auto id = a.find("id");
    const auto href = a.find("href");
    if (id != a.end() && href != a.end()) manifest[id->second] = resolve_href(dir, href->second);
  }
  std::vector<std::string> spine;
  for (const Attributes& a : find_tags(opf->second, "itemref")) {
    const auto idref = a.find("idref");
    const auto linear = a.find("linear");
    if (idref == a.end() || (linear != a.end() && linear->second == "no")) continue;
    const auto item = manifest.find(idref->second);
    if (item == manifest.end()) continue;
    if (item->second.empty()) {
      return make_error(Errc::corrupt_data,
                        "{}: spine item '{}' points outside the archive; refusing the book", name,
                        idref->second);
    }
    spine.push_back(item->second);
  }
  if (spine.empty()) return make_error(Errc::corrupt_data, "{}: the EPUB has no readable spine", name);

  Document doc;
  doc.kind = "epub";
  doc.title = element_text(opf->second, "title");
  ProgressTracker tracker("ingest", "chapters", int64_t(spine.size()), progress);
  std::string chapter;
  for (const std::string& path : spine) {
    if (stop.stop_requested()) return cancelled_error("reading " + name);
    tracker.advance();
    const auto content = entries.find(path);
    if (content == entries.end()) {
      return make_error(Errc::corrupt_data, "{}: the chapter '{}' listed in the spine is missing",
                        name, path);
    }
    const HtmlText page = html_to_text(decode_text(content->second).utf8);
    if (!doc.segments.empty() && !page.text.empty()) {
      doc.text.push_back('\n');  // a blank line between spine documents, owned by the previous
      doc.segments.back().char_end = int64_t(doc.text.size());
    }
    if (!page.title.empty()) chapter = page.title;
    append_html_sections(doc, page, chapter);
    if (!page.headings.empty()) chapter = page.headings.back().text;
  }
  tracker.finish();
  if (doc.text.empty()) {
    return make_error(Errc::unsupported, "{}: the book has no text (an image-only EPUB?)", name);
  }
  return doc;
}

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

ArchivePtr new_zip_reader() {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (a) archive_read_support_format_zip(a.get());
  return a;
}

}  // namespace

Result<Document> load_epub_bytes(std::string_view bytes, const std::string& name,
                                 std::stop_token stop, const ExtractOptions& options,
                                 const quire::ProgressSink& progress) {
  ArchivePtr a = new_zip_reader();
  if (!a) return make_error(Errc::out_of_memory, "{}: cannot start the archive reader", name);
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return make_error(Errc::corrupt_data, "{}: not a zip archive, so not an EPUB", name);
  }
  auto entries = unpack(a.get(), name, stop, options);
  if (!entries) return entries.error();
  return read_book(*entries, name, stop, progress);
}

Result<Document> load_epub(const std::filesystem::path& path, std::stop_token stop,
                           const ExtractOptions& options, const quire::ProgressSink& progress) {
  auto bytes = read_file_bytes(path, options.max_file_bytes);
  if (!bytes) return bytes.error();
  auto doc = load_epub_bytes(*bytes, path.string(), stop, options, progress);
  if (doc && doc->title.empty()) doc->title = path.stem().string();
  return doc;
}

}  // namespace quire::app
