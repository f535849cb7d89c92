#include "tests/golden/tokenizer_strings.h"

#include <cstdint>

namespace quire::test {
namespace {

const std::vector<std::string>& handpicked() {
  static const std::vector<std::string> s = {
      "",
      " ",
      "  ",
      "   ",
      "\t",
      "\n",
      "\n\n",
      " \n",
      "\r\n",
      "a",
      "In the beginning God created the heaven and the earth.",
      "And God said, Let there be light: and there was light.",
      "  leading spaces",
      "trailing spaces   ",
      "multiple    internal     spaces",
      "tabs\tand\t\ttabs",
      "line one\nline two\n\nline four",
      "windows\r\nline\r\nendings",
      "mixed \t \n \r\n whitespace",
      "1",
      "12",
      "123",
      "1234",
      "12345678901234567890",
      "3.14159 2.71828",
      "year 2024, page 17-19",
      "x=10; y=-3.5e+7",
      "café naïve résumé",
      "Ünïcödé ÀÉÎÕÜ",
      "Größe Straße",
      "Ελληνικά κείμενα",
      "Русский текст здесь",
      "עברית",
      "العربية",
      "हिन्दी",
      "日本語のテキスト",
      "中文文本测试",
      "한국어 텍스트",
      "ไทย",
      "😀",
      "😀😃😄",
      "emoji 🎉 in 🚀 text",
      "family 👨‍👩‍👧‍👦 zwj",
      "flags 🇺🇸🇫🇷",
      "skin 👍🏽",
      "❤️ heart",
      "math ∑∫√∞ ≠ ≤ ≥",
      "arrows → ← ↑ ↓",
      "quotes “smart” ‘single’ «guillemets»",
      "dash — en – hyphen -",
      "ellipsis… and nbsp\xC2\xA0here",
      "zero\xE2\x80\x8Bwidth",
      "I'm you're he's we've they'll I'd",
      "IT'S WE'VE THEY'LL",
      "don't can't won't",
      "int main() { return 0; }",
      "for (int i = 0; i < n; ++i) {\n    sum += a[i];\n}",
      "def f(x):\n    return x ** 2\n",
      "if x == 1:\n\tprint('one')",
      "#include <stdio.h>",
      "std::vector<int32_t> v{1, 2, 3};",
      "SELECT * FROM t WHERE id = 42;",
      "<html><body>hi</body></html>",
      "{\"key\": [1, 2, {\"nested\": null}]}",
      "path/to/file.txt:123",
      "https://example.com/a?b=c&d=e#f",
      "user@example.com",
      "$100 €50 £30 ¥2000",
      "!!!???...,,,;;;",
      "a-b_c.d/e\\f",
      "CamelCaseIdentifier snake_case_name SCREAMING_CASE",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "the the the the the the",
      "▁ literal meta symbol",
      "Ġ literal byte-level char",
      "<s> and </s> as text",
      "<|eot_id|> as text",
      "<unk>",
  };
  return s;
}

// Fragments mixed into generated strings; separators include whitespace runs.
const std::vector<std::string>& fragments() {
  static const std::vector<std::string> f = {
      "the", "LORD", "God", "said", "unto", "Abraham", "begat", "and", "of", "heaven",
      "earth", "waters", "firmament", "ÿ", "é", "ñ", "ß", "日本", "語", "中文", "한",
      "😀", "🎉", "👍🏽", "🇫🇷", "∑", "→", "42", "7", "1000000", "3.5", "0x1F",
      "(", ")", "{", "}", "[", "]", ";", "::", "->", "==", "'s", "'ll", "\"", "'",
      "foo_bar", "i++", "#", "//", "/*", "*/", "—", "…", "Ω", "ø", "ç",
  };
  return f;
}

// Separators within one line, and line breaks, which one string in eight gets (spm_encode reads
// one string per line, so most strings stay on one line).
const std::vector<std::string>& separators() {
  static const std::vector<std::string> s = {" ", " ", " ", "", "  ", "   ", "\t", ", ", ". ",
                                             "\t\t", " \t "};
  return s;
}

const std::vector<std::string>& line_breaks() {
  static const std::vector<std::string> s = {"\n", " \n", "\n\n", "\r\n", "\n   "};
  return s;
}

}  // namespace

std::vector<std::string> tokenizer_test_strings() {
  std::vector<std::string> out = handpicked();
  uint64_t state = 0x9E3779B97F4A7C15ull;  // fixed seed: the same strings every run
  auto next = [&state](size_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>((state >> 33) % n);
  };
  const auto& frag = fragments();
  const auto& sep = separators();
  const auto& breaks = line_breaks();
  for (int i = 0; i < 420; ++i) {
    std::string s;
    const size_t words = 1 + next(12);
    const bool multiline = next(8) == 0;
    if (next(5) == 0) s += sep[next(sep.size())];
    for (size_t w = 0; w < words; ++w) {
      if (w > 0) {
        s += (multiline && next(3) == 0) ? breaks[next(breaks.size())] : sep[next(sep.size())];
      }
      s += frag[next(frag.size())];
      if (next(4) == 0) s += frag[next(frag.size())];  // glued fragments: "the42", "中文😀"
    }
    if (next(6) == 0) s += sep[next(sep.size())];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace quire::test
