#pragma once
// Raw ini reading on top of inih: sections and keys in file order, with the
// line each key came from. Inline comments (";" after white space) and
// leading white space are removed before inih sees a line, so the manual's
// long commented lines fit inih's line limit and keep their numbers.
#include <string>
#include <vector>

namespace config {

struct ini_entry {
  std::string section;  // as written, e.g. "serve.ssh"
  std::string key;      // lower-cased
  std::string value;    // trimmed, comment removed
  int line = 0;
};

// Throws config::error on a syntax error (with the line number) or when the
// same key appears twice in one section. `sections`, when given, receives every
// section name in file order, once each: a section without keys has no entry,
// and a loader must still see it (an empty [serve.web] is an error, not nothing).
std::vector<ini_entry> parse_ini(const std::string& text, const std::string& name,
                                 std::vector<std::string>* sections = nullptr);

}  // namespace config
