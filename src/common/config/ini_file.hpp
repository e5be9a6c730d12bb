#pragma once
// Raw ini reading: sections and keys in file order, with the line each key
// came from. The syntax is inih's (which the manual's examples were written
// for): `[section]`, `key=value` or `key: value`, comments starting a line
// with ';' or '#' or following white space with ';'. Our own reader rather
// than the system's inih, whose line buffer is fixed at 200 bytes when it is
// built: 70 CJK characters of `info` did not fit.
#include <cstddef>
#include <string>
#include <vector>

namespace config {

// The longest line read, comment included: far beyond any real value, and
// still a bound on what a mistaken file (a binary, a log) can make us keep.
inline constexpr std::size_t max_line_bytes = 64 * 1024;

struct ini_entry {
  std::string section;  // as written, e.g. "serve.ssh"
  std::string key;      // lower-cased
  std::string value;    // trimmed, comment removed
  int line = 0;
};

// Throws config::error, naming the line, on a syntax error, a line over
// max_line_bytes, or when the same key appears twice in one section.
// `sections`, when given, receives every section name in file order, once
// each: a section without keys has no entry, and a loader must still see it
// (an empty [serve.web] is an error, not nothing). With `problems`, a bad
// line is added there and the reading goes on (every problem of the file
// in one run); a file that is not UTF-8 still throws at once.
std::vector<ini_entry> parse_ini(const std::string& text, const std::string& name,
                                 std::vector<std::string>* sections = nullptr,
                                 std::vector<std::string>* problems = nullptr);

}  // namespace config
