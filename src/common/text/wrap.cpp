#include "text/wrap.hpp"

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

}  // namespace text
