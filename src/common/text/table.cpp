#include "text/table.hpp"

#include <algorithm>

#include "text/printable.hpp"

namespace text {
namespace {

// Columns on screen: CJK characters take two, combining marks none.
std::size_t width(const std::string& s) { return display_width(s); }

}  // namespace

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    if (&row != &rows.front()) out += '\n';
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      line += row[c];
      line.append(widths[c] - width(row[c]), ' ');
    }
    // The last column's padding, and the gaps before empty trailing cells.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
  }
  return out;
}

}  // namespace text
