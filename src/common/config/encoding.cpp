#include "config/encoding.hpp"

#include <cstddef>

namespace config {
namespace {

using u8 = unsigned char;

// The length of the UTF-8 sequence at `i`, or 0 when it is not one
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const u8 c = static_cast<u8>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned min;
  unsigned cp;
  if ((c & 0xE0) == 0xC0) { n = 2; min = 0x80; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; min = 0x800; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const u8 t = static_cast<u8>(s[i + k]);
    if ((t & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (t & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Every byte past ASCII is part of a GBK pair: a lead 0x81-0xFE and a trail
// 0x40-0xFE other than 0x7F.
bool looks_gbk(std::string_view s) {
  bool any = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const u8 c = static_cast<u8>(s[i]);
    if (c < 0x80) continue;
    if (c == 0x80 || c == 0xFF || i + 1 == s.size()) return false;
    const u8 t = static_cast<u8>(s[i + 1]);
    if (t < 0x40 || t == 0x7F || t == 0xFF) return false;
    any = true;
    ++i;
  }
  return any;
}

int line_of(std::string_view s, std::size_t pos) {
  int line = 1;
  for (std::size_t i = 0; i < pos; ++i)
    if (s[i] == '\n') ++line;
  return line;
}

}  // namespace

std::optional<foreign_text> foreign_encoding(std::string_view text) {
  if (text.substr(0, 2) == "\xFF\xFE") return foreign_text{"UTF-16 (little-endian)", 0};
  if (text.substr(0, 2) == "\xFE\xFF") return foreign_text{"UTF-16 (big-endian)", 0};
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // UTF-16 without its mark: ASCII text with a NUL beside every character.
  std::size_t even = 0, odd = 0;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\0') ++(i % 2 ? odd : even);
  if (text.size() >= 4 && (odd + even) * 4 >= text.size())
    return foreign_text{odd > even ? "UTF-16 (little-endian)" : "UTF-16 (big-endian)", 0};
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0)
      return foreign_text{looks_gbk(text) ? "GBK (Chinese Windows' \"ANSI\")" : "another encoding",
                          line_of(text, i)};
    i += n;
  }
  return std::nullopt;
}

}  // namespace config
