// The subset of gitignore(5) a code folder needs: one rule per line, '#' comments, '!' negation,
// a trailing '/' for folders only, a leading or inner '/' anchoring the pattern to the folder of
// its .gitignore, '*', '?', '[...]' within one path component and '**' across components, and
// "the last matching rule wins". Files in an ignored folder are never looked at (the caller does
// not descend), which matches git: a file cannot be re-included when its folder is excluded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quire::app {

class GitignoreRules {
 public:
  // Adds the rules of one .gitignore found in folder `base` ("" for the chosen folder itself,
  // else a '/'-separated path relative to it, without a trailing '/').
  void add(std::string_view content, const std::string& base);

  // Whether `rel_path` ('/'-separated, relative to the chosen folder) is ignored.
  bool ignored(std::string_view rel_path, bool is_dir) const;

  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string base;     // folder of the .gitignore, "" at the root
    std::string pattern;  // without '!', the trailing '/' and a leading '/'
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the whole path under base, not the last component
  };
  std::vector<Rule> rules_;
};

// Glob match of `text` against `pattern`: '*' and '?' do not cross '/', "**" does.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace quire::app
