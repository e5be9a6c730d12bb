#include "text/printable.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>

namespace text {
namespace {

struct decoded {
  char32_t cp;
  std::size_t len;
};

// One UTF-8 sequence at the start of `s`, or nullopt when it is not valid
// (overlong forms, surrogates and values past U+10FFFF are invalid too).
std::optional<decoded> decode(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return decoded{c, 1};
  std::size_t len;
  char32_t cp;
  char32_t min;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return std::nullopt;
  if (s.size() < len) return std::nullopt;
  for (std::size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return decoded{cp, len};
}

bool must_escape(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_hex(std::string& out, const char* format, unsigned value) {
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, format, value);
  out.append(buf, static_cast<std::size_t>(n));
}

struct range {
  char32_t first, last;
};

bool in(const range* begin, const range* end, char32_t cp) {
  for (auto r = begin; r != end; ++r)
    if (cp >= r->first && cp <= r->last) return true;
  return false;
}

// East Asian Wide and Fullwidth blocks, and the emoji blocks terminals draw
// two columns wide. Not every code point of Unicode's table, but every block
// a name or an info line is likely to use.
constexpr range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26F2, 0x26F5},   {0x2705, 0x2705},
    {0x270A, 0x270B},   {0x2728, 0x2728},   {0x274C, 0x274C},   {0x2753, 0x2755},
    {0x2795, 0x2797},   {0x2B1B, 0x2B1C},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF},
    {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
    {0x1F7E0, 0x1F7EB}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};

// Combining marks, zero-width spaces and joiners, variation selectors.
constexpr range zero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    auto d = decode(s);
    if (!d) {
      append_hex(out, "\\x%02X", static_cast<unsigned char>(s[0]));
      s.remove_prefix(1);
      continue;
    }
    char32_t cp = d->cp;
    if (cp < 0x20 || cp == 0x7F) {
      switch (cp) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case 0x1B: out += "\\e"; break;
        default: append_hex(out, "\\x%02X", static_cast<unsigned>(cp));
      }
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (must_escape(cp)) {
      append_hex(out, "\\u{%04X}", static_cast<unsigned>(cp));
    } else {
      out.append(s.substr(0, d->len));
    }
    s.remove_prefix(d->len);
  }
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  while (!s.empty()) {
    auto d = decode(s);
    if (!d) {
      ++w;
      s.remove_prefix(1);
      continue;
    }
    if (in(std::begin(wide), std::end(wide), d->cp)) w += 2;
    else if (!in(std::begin(zero), std::end(zero), d->cp)) w += 1;
    s.remove_prefix(d->len);
  }
  return w;
}

bool is_clean_text(std::string_view s) {
  while (!s.empty()) {
    auto d = decode(s);
    if (!d || d->cp < 0x20 || (d->cp >= 0x7F && d->cp <= 0x9F)) return false;
    s.remove_prefix(d->len);
  }
  return true;
}

}  // namespace text
