// The test strings both tokenizer goldens use: hand-picked edge cases (Unicode, emoji, CJK,
// whitespace runs, tabs/newlines, digits, code, empty) plus deterministic mixtures of them, all
// valid UTF-8 so that the Python and command-line references can read them.
#pragma once

#include <string>
#include <vector>

namespace quire::test {

std::vector<std::string> tokenizer_test_strings();

}  // namespace quire::test
