#include "config/ini_file.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "config/config.hpp"
#include "config/encoding.hpp"
#include "config/values.hpp"

namespace config {
namespace {

// The same set as isspace() in the C locale.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Removes a comment: a line starting with ';' or '#', or a ';' preceded by
// white space (inih's rules, which the manual's examples are written for).
std::string_view strip_comment(std::string_view line) {
  line = trim(line);
  if (!line.empty() && (line.front() == ';' || line.front() == '#')) return {};
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == ';' && is_space(line[i - 1])) return trim(line.substr(0, i));
  }
  return line;
}

class parser {
 public:
  parser(const std::string& name, std::vector<std::string>* sections)
      : name_(name), sections_(sections) {}

  // One physical line, numbered from 1. Throws on an error in it.
  void line(std::string_view raw, int number) {
    line_ = number;
    if (raw.size() > max_line_bytes)
      fail("line too long (" + std::to_string(raw.size()) + " bytes, at most " +
           std::to_string(max_line_bytes) + ")");
    auto cut = strip_comment(raw);
    if (cut.find('\0') != std::string_view::npos) fail("NUL byte in line");
    if (cut.empty()) return;
    if (cut.front() == '[') {
      auto close = cut.find(']');
      // What follows the ']' is ignored, as inih did.
      if (close == std::string_view::npos) syntax_error(raw);
      section_ = std::string(trim(cut.substr(1, close - 1)));
      if (sections_ &&
          std::find(sections_->begin(), sections_->end(), section_) == sections_->end())
        sections_->push_back(section_);
      return;
    }
    auto sep = cut.find_first_of("=:");
    if (sep == std::string_view::npos) syntax_error(raw);
    std::string key = lower_case(trim(cut.substr(0, sep)));
    if (key.empty()) syntax_error(raw);
    auto [it, fresh] = seen_.emplace(std::make_pair(section_, key), line_);
    if (!fresh)
      fail("[" + section_ + "] " + key + " is set twice (first on line " +
           std::to_string(it->second) + ")");
    entries_.push_back(ini_entry{section_, std::move(key), std::string(trim(cut.substr(sep + 1))),
                                 line_});
  }

  std::vector<ini_entry> take() { return std::move(entries_); }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw error(name_ + ":" + std::to_string(line_) + ": " + message);
  }
  [[noreturn]] void syntax_error(std::string_view raw) const {
    fail("syntax error: " + std::string(trim(raw)));
  }

  const std::string& name_;
  std::vector<std::string>* sections_;
  std::string section_;  // current, as written (trimmed)
  int line_ = 0;
  std::map<std::pair<std::string, std::string>, int> seen_;  // (section, key) -> line
  std::vector<ini_entry> entries_;
};

}  // namespace

std::vector<ini_entry> parse_ini(const std::string& text, const std::string& name,
                                 std::vector<std::string>* sections, std::vector<std::string>* problems) {
  std::string_view body(text);
  // A file an editor saved as GBK or UTF-16 is named as such, not reported
  // as a control character or a NUL byte on some line.
  if (auto foreign = foreign_encoding(body)) {
    const std::string where = foreign->line ? name + ":" + std::to_string(foreign->line) : name;
    throw error(where + ": the file is not UTF-8 (it looks like " + foreign->encoding +
                "): save the file as UTF-8");
  }
  // A UTF-8 byte order mark (Windows editors) is not part of the first line.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (sections) sections->clear();

  parser p(name, sections);
  int number = 0;
  for (std::size_t pos = 0; pos < body.size();) {
    auto end = std::min(body.find('\n', pos), body.size());
    try {
      p.line(body.substr(pos, end - pos), ++number);
    } catch (const error& e) {
      if (!problems) throw;
      problems->push_back(e.what());
    }
    pos = end + 1;
  }
  return p.take();
}

}  // namespace config
