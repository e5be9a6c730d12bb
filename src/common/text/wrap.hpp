#pragma once
// Text that fits a terminal of `width` columns (the vnet terminal's `show
// serve`, `show use`): long text wrapped under a table row, a cell cut short.
#include <string>
#include <string_view>
#include <vector>

namespace text {

// `text` as lines of at most `width` display columns (text::display_width:
// CJK = 2), each beginning with `indent`. Breaks at spaces; inside a word
// only when the word alone is wider than a line (a long path, say), and
// then between characters, never inside one. Empty text: no lines.
std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view indent);

// `text` itself when it fits `width` display columns, else its longest
// beginning that fits with "…" after it (never cut inside a character).
std::string shorten(std::string_view text, std::size_t width);

// Shortens the cells of column `column` (not the header, rows[0]) so that
// text::render_table(rows) fits `width` columns, when it can: the column
// keeps at least `min` columns.
void fit_column(std::vector<std::vector<std::string>>& rows, std::size_t column, std::size_t width,
                std::size_t min = 8);

}  // namespace text
