#pragma once
// Aligned text tables: the vnet terminal's `show` and the route's `ctl show`.
#include <string>
#include <vector>

namespace text {

// Renders rows (the first one is the header) as lines joined with '\n', no
// trailing newline. Each column is left-aligned and padded to its widest
// cell, columns are separated by two spaces, and no line ends with a space.
// Widths are display columns (text::display_width: CJK = 2),
// not bytes. Cells must be printable already (text::printable for peer text). A short row has empty cells at
// its end. No rows: an empty string.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace text
