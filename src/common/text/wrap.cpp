#include "text/wrap.hpp"

#include <algorithm>

#include "text/printable.hpp"

namespace text {
namespace {

// The length in bytes of the UTF-8 character that begins at s[0].
std::size_t char_length(std::string_view s) {
  std::size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return n;
}

}  // namespace

std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::vector<std::string> lines;
  const std::size_t room = width > display_width(indent) + 1 ? width - display_width(indent) : 1;
  std::string line;
  std::size_t used = 0;
  auto flush = [&] {
    lines.push_back(std::string(indent) + line);
    line.clear();
    used = 0;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size()) break;
    auto end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(at, end - at);
    at = end;
    const std::size_t w = display_width(word);
    if (used && used + 1 + w <= room) {
      line += ' ';
      line += word;
      used += 1 + w;
      continue;
    }
    if (used) flush();
    if (w <= room) {
      line = word;
      used = w;
      continue;
    }
    // Wider than a line by itself: cut between characters.
    while (!word.empty()) {
      const std::size_t n = char_length(word);
      const std::size_t cw = display_width(word.substr(0, n));
      if (used && used + cw > room) flush();
      line += word.substr(0, n);
      used += cw;
      word.remove_prefix(n);
    }
  }
  if (used) flush();
  return lines;
}

std::string shorten(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  std::string out;
  std::size_t used = 0;
  while (!text.empty()) {
    const std::size_t n = char_length(text);
    const std::size_t cw = display_width(text.substr(0, n));
    if (used + cw + 1 > width) break;  // room for the "…"
    out += text.substr(0, n);
    used += cw;
    text.remove_prefix(n);
  }
  return out + "\u2026";
}

void fit_column(std::vector<std::vector<std::string>>& rows, std::size_t column, std::size_t width, std::size_t min) {
  // The widths render_table gives: the widest cell of each column, two
  // spaces between columns.
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  }
  if (column >= widths.size()) return;
  std::size_t total = 2 * (widths.size() - 1);
  for (auto w : widths) total += w;
  if (total <= width) return;
  const std::size_t others = total - widths[column];
  const std::size_t header = rows.empty() || rows[0].size() <= column ? 0 : display_width(rows[0][column]);
  const std::size_t room = std::max({min, header, width > others ? width - others : 0});
  for (std::size_t r = 1; r < rows.size(); ++r)
    if (column < rows[r].size()) rows[r][column] = shorten(rows[r][column], room);
}

}  // namespace text
