#include "app/documents/gitignore.h"

namespace quire::app {
namespace {

// '[...]' at pattern[p] (p points at '['): sets `matched` and returns the index after ']', or
// npos when the bracket is not closed (then '[' is a literal character).
size_t match_bracket(std::string_view pattern, size_t p, char c, bool& matched) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool hit = false;
  bool first = true;
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) hit = true;
    ++i;
  }
  if (i >= pattern.size()) return std::string_view::npos;
  matched = (hit != negate) && c != '/';
  return i + 1;
}

bool match_at(std::string_view pat, size_t p, std::string_view text, size_t t, int depth) {
  if (depth > 64) return false;  // bounds the recursion on hostile patterns
  while (p < pat.size()) {
    const char pc = pat[p];
    if (pc == '*') {
      const bool globstar = p + 1 < pat.size() && pat[p + 1] == '*';
      if (globstar) {
        size_t q = p + 2;
        const bool at_start = p == 0 || pat[p - 1] == '/';
        if (at_start && q < pat.size() && pat[q] == '/') {
          // "**/" matches zero or more whole folders.
          if (match_at(pat, q + 1, text, t, depth + 1)) return true;
          for (size_t k = t; k < text.size(); ++k) {
            if (text[k] == '/' && match_at(pat, q + 1, text, k + 1, depth + 1)) return true;
          }
          return false;
        }
        for (size_t k = t; k <= text.size(); ++k) {
          if (match_at(pat, q, text, k, depth + 1)) return true;
        }
        return false;
      }
      for (size_t k = t; k <= text.size(); ++k) {
        if (match_at(pat, p + 1, text, k, depth + 1)) return true;
        if (k < text.size() && text[k] == '/') break;
      }
      return false;
    }
    if (t >= text.size()) return false;
    if (pc == '?') {
      if (text[t] == '/') return false;
      ++p;
      ++t;
      continue;
    }
    if (pc == '[') {
      bool matched = false;
      const size_t next = match_bracket(pat, p, text[t], matched);
      if (next != std::string_view::npos) {
        if (!matched) return false;
        p = next;
        ++t;
        continue;
      }
    }
    char want = pc;
    if (pc == '\\' && p + 1 < pat.size()) want = pat[++p];
    if (text[t] != want) return false;
    ++p;
    ++t;
  }
  return t == text.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_at(pattern, 0, text, 0, 0);
}

void GitignoreRules::add(std::string_view content, const std::string& base) {
  size_t pos = 0;
  while (pos <= content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Trailing spaces are dropped unless escaped with a backslash.
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    rule.base = base;
    if (line[0] == '!') {
      rule.negate = true;
      line.remove_prefix(1);
    } else if (line.starts_with("\\!") || line.starts_with("\\#")) {
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.dir_only = true;
      line.remove_suffix(1);
    }
    if (line.empty()) continue;
    rule.anchored = line.find('/') != std::string_view::npos;
    if (line[0] == '/') line.remove_prefix(1);
    if (line.empty()) continue;
    rule.pattern = std::string(line);
    rules_.push_back(std::move(rule));
  }
}

bool GitignoreRules::ignored(std::string_view rel_path, bool is_dir) const {
  bool result = false;
  for (const Rule& rule : rules_) {
    if (rule.dir_only && !is_dir) continue;
    std::string_view sub = rel_path;
    if (!rule.base.empty()) {
      if (!rel_path.starts_with(rule.base) || rel_path.size() <= rule.base.size() ||
          rel_path[rule.base.size()] != '/') {
        continue;
      }
      sub = rel_path.substr(rule.base.size() + 1);
    }
    bool hit = false;
    if (rule.anchored) {
      hit = glob_match(rule.pattern, sub);
    } else {
      const size_t slash = sub.rfind('/');
      hit = glob_match(rule.pattern, slash == std::string_view::npos ? sub : sub.substr(slash + 1));
    }
    if (hit) result = !rule.negate;
  }
  return result;
}

}  // namespace quire::app
