#include "app/documents/gitignore.h"

#include <cstdint>

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

// Matches pat[p..] against text[t..]. Only stars recurse, and every (p, t) pair is answered
// once (memo: -1 unknown, 0 no, 1 yes), so hostile patterns such as "*a*a*a*b" stay
// O(|pattern| * |text|^2) instead of exponential.
class Matcher {
 public:
  Matcher(std::string_view pat, std::string_view text)
      : pat_(pat), text_(text), memo_((pat.size() + 1) * (text.size() + 1), -1) {}

  bool match(size_t p, size_t t) {
    int8_t& known = memo_[p * (text_.size() + 1) + t];
    if (known < 0) known = compute(p, t) ? 1 : 0;
    return known == 1;
  }

 private:
  bool compute(size_t p, size_t t) {
    while (p < pat_.size()) {
      const char pc = pat_[p];
      if (pc == '*') {
        size_t q = p;
        while (q < pat_.size() && pat_[q] == '*') ++q;
        const bool globstar = q - p >= 2;
        if (globstar && (p == 0 || pat_[p - 1] == '/') && q < pat_.size() && pat_[q] == '/') {
          // "**/" matches zero or more whole folders.
          if (match(q + 1, t)) return true;
          for (size_t k = t; k < text_.size(); ++k) {
            if (text_[k] == '/' && match(q + 1, k + 1)) return true;
          }
          return false;
        }
        for (size_t k = t; k <= text_.size(); ++k) {
          if (match(q, k)) return true;
          if (!globstar && k < text_.size() && text_[k] == '/') break;
        }
        return false;
      }
      if (t >= text_.size()) return false;
      if (pc == '?') {
        if (text_[t] == '/') return false;
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        const size_t next = match_bracket(pat_, p, text_[t], matched);
        if (next != std::string_view::npos) {
          if (!matched) return false;
          p = next;
          ++t;
          continue;
        }
      }
      char want = pc;
      if (pc == '\\' && p + 1 < pat_.size()) want = pat_[++p];
      if (text_[t] != want) return false;
      ++p;
      ++t;
    }
    return t == text_.size();
  }

  std::string_view pat_;
  std::string_view text_;
  std::vector<int8_t> memo_;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return Matcher(pattern, text).match(0, 0);
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
    // No real rule is this long; the cap bounds the matcher's memo and recursion.
    if (line.empty() || line[0] == '#' || line.size() > 1024) continue;
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
