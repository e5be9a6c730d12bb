#pragma once
// Long text under a table row (the vnet terminal's `show serve`, `show use`):
// lines that fit a terminal of `width` columns.
#include <string>
#include <string_view>
#include <vector>

namespace text {

// `text` as lines of at most `width` display columns (text::display_width:
// CJK = 2), each beginning with `indent`. Breaks at spaces; inside a word
// only when the word alone is wider than a line (a long path, say), and
// then between characters, never inside one. Empty text: no lines.
std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view indent);

}  // namespace text
