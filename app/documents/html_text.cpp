#include "app/documents/html_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "app/documents/text_encoding.h"

namespace quire::app {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Elements whose content is not text a reader sees.
bool is_skipped_element(std::string_view n) {
  return one_of(n, {"script", "style", "noscript", "template", "svg", "math", "head"});
}

bool is_paragraph_element(std::string_view n) {
  return one_of(n, {"p", "div", "section", "article", "header", "footer", "blockquote", "pre",
                    "ul", "ol", "dl", "table", "figure", "figcaption", "nav", "aside", "main",
                    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body", "address", "hgroup"});
}

bool is_line_element(std::string_view n) {
  return one_of(n, {"br", "li", "tr", "dt", "dd", "caption", "option"});
}

// Decodes the character reference starting at s[i] == '&'; returns the bytes consumed (0 when
// it is not a reference, then '&' is literal).
size_t decode_entity(std::string_view s, size_t i, std::string& out) {
  static constexpr std::array<std::pair<std::string_view, char32_t>, 24> kNamed = {{
      {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
      {"apos", '\''},    {"nbsp", ' '},     {"mdash", 0x2014}, {"ndash", 0x2013},
      {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
      {"rdquo", 0x201D}, {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},
      {"eacute", 0xE9},  {"egrave", 0xE8},  {"agrave", 0xE0},  {"uuml", 0xFC},
      {"ouml", 0xF6},    {"auml", 0xE4},    {"szlig", 0xDF},   {"shy", 0xAD}}};
  const size_t semi = s.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 12) return 0;
  const std::string_view name = s.substr(i + 1, semi - i - 1);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    uint32_t cp = 0;
    for (char c : digits) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return 0;
      cp = cp * (hex ? 16 : 10) + uint32_t(v);
      if (cp > 0x10FFFF) cp = 0xFFFD;  // keeps the accumulator bounded on long digit runs
    }
    append_utf8(out, cp == 0 ? 0xFFFD : cp);
    return semi - i + 1;
  }
  for (const auto& [n, cp] : kNamed) {
    if (n == name) {
      append_utf8(out, cp);
      return semi - i + 1;
    }
  }
  return 0;
}

class Builder {
 public:
  HtmlText result;

  void text(std::string_view s, bool preformatted) {
    std::string decoded;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '&') {
        const size_t used = decode_entity(s, i, decoded);
        if (used) {
          i += used - 1;
          continue;
        }
      }
      decoded.push_back(s[i]);
    }
    std::string& out = in_title_ ? result.title : result.text;
    for (char c : decoded) {
      if (!preformatted && is_space(c)) {
        pending_space_ = true;
        continue;
      }
      if (pending_space_ && !out.empty() && out.back() != '\n' && out.back() != ' ') out.push_back(' ');
      pending_space_ = false;
      out.push_back(c);
    }
  }

  // Ends the current line; `blank` leaves an empty line (a paragraph break).
  void break_line(bool blank) {
    pending_space_ = false;
    std::string& out = result.text;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.empty()) return;
    size_t newlines = 0;
    for (auto it = out.rbegin(); it != out.rend() && *it == '\n'; ++it) ++newlines;
    const size_t want = blank ? 2 : 1;
    while (newlines++ < want) out.push_back('\n');
  }

  void open_heading(int level) {
    break_line(true);
    heading_level_ = level;
    heading_start_ = int64_t(result.text.size());
  }

  void close_heading() {
    if (heading_level_ == 0) return;
    std::string_view h = std::string_view(result.text).substr(size_t(heading_start_));
    while (!h.empty() && is_space(h.back())) h.remove_suffix(1);
    if (!h.empty()) {
      std::string flat;
      for (char c : h) flat.push_back(c == '\n' ? ' ' : c);
      result.headings.push_back({heading_start_, heading_level_, std::move(flat)});
    }
    heading_level_ = 0;
    break_line(true);
  }

  void set_in_title(bool on) {
    in_title_ = on;
    pending_space_ = false;
  }

  void finish() {
    while (!result.text.empty() && is_space(result.text.back())) result.text.pop_back();
    if (!result.text.empty()) result.text.push_back('\n');
    while (!result.title.empty() && is_space(result.title.back())) result.title.pop_back();
    // Headings that were empty text at the very end lie past the trimmed text.
    std::erase_if(result.headings,
                  [&](const HtmlHeading& h) { return h.offset >= int64_t(result.text.size()); });
  }

 private:
  bool pending_space_ = false;
  bool in_title_ = false;
  int heading_level_ = 0;
  int64_t heading_start_ = 0;
};

}  // namespace

HtmlText html_to_text(std::string_view html) {
  Builder b;
  int pre_depth = 0;
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    b.text(html.substr(i, (lt == std::string_view::npos ? html.size() : lt) - i), pre_depth > 0);
    if (lt == std::string_view::npos) break;
    i = lt;
    if (html.compare(i, 4, "<!--") == 0) {
      const size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (html.compare(i, 9, "<![CDATA[") == 0) {
      const size_t end = html.find("]]>", i + 9);
      const size_t stop = end == std::string_view::npos ? html.size() : end;
      b.text(html.substr(i + 9, stop - i - 9), pre_depth > 0);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    // A tag: find its end, skipping quoted attribute values.
    size_t j = i + 1;
    char quote = 0;
    while (j < html.size() && (quote || html[j] != '>')) {
      if (quote && html[j] == quote) quote = 0;
      else if (!quote && (html[j] == '"' || html[j] == '\'')) quote = html[j];
      ++j;
    }
    const std::string_view tag = html.substr(i + 1, j - i - 1);
    i = j < html.size() ? j + 1 : html.size();
    if (tag.empty() || tag[0] == '!' || tag[0] == '?') continue;  // doctype, xml declaration
    const bool closing = tag[0] == '/';
    size_t name_begin = closing ? 1 : 0;
    size_t name_end = name_begin;
    while (name_end < tag.size() && !is_space(tag[name_end]) && tag[name_end] != '/') ++name_end;
    std::string name = lower(tag.substr(name_begin, name_end - name_begin));
    if (const size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
    if (name.empty()) {
      b.text("<", pre_depth > 0);  // a lone '<' in text, as browsers show it
      i = lt + 1;
      continue;
    }
    const bool self_closing = tag.back() == '/';
    if (!closing && is_skipped_element(name) && !self_closing) {
      // <head> is skipped except for its <title>.
      const std::string close = "</" + name;
      size_t end = i;
      while (true) {
        end = html.find("</", end);
        if (end == std::string_view::npos || lower(html.substr(end, close.size())) == close) break;
        end += 2;
      }
      const std::string_view inner =
          html.substr(i, (end == std::string_view::npos ? html.size() : end) - i);
      if (name == "head") {
        const std::string lower_inner = lower(inner);
        const size_t t = lower_inner.find("<title");
        const size_t t_open_end = t == std::string::npos ? t : lower_inner.find('>', t);
        const size_t t_end = t_open_end == std::string::npos ? t_open_end
                                                             : lower_inner.find("</title", t_open_end);
        if (t_end != std::string::npos) {
          b.set_in_title(true);
          b.text(inner.substr(t_open_end + 1, t_end - t_open_end - 1), false);
          b.set_in_title(false);
        }
      }
      if (end == std::string_view::npos) break;
      const size_t gt = html.find('>', end);
      i = gt == std::string_view::npos ? html.size() : gt + 1;
      continue;
    }
    if (name == "title") {
      b.set_in_title(!closing);
      continue;
    }
    if (name == "pre") pre_depth = std::max(0, pre_depth + (closing ? -1 : 1));
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      if (closing) b.close_heading();
      else b.open_heading(name[1] - '0');
      continue;
    }
    if (is_paragraph_element(name)) b.break_line(true);
    else if (is_line_element(name)) b.break_line(false);
    else if (name == "td" || name == "th") b.text(" ", false);
    if (!closing && name == "li") b.text("- ", true);
  }
  b.finish();
  return std::move(b.result);
}

}  // namespace quire::app
