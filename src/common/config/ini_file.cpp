#include "config/ini_file.hpp"

#include <ini.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "config/config.hpp"

namespace config {
namespace {

// inih copies section names into a 50-byte buffer and silently cuts longer
// ones, which could merge two different sections: refuse them instead.
constexpr std::size_t max_section_name = 49;

// The same set as isspace() in the C locale, which is what inih uses.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Removes what inih would treat as a comment, by inih's own rules: a line
// starting with ';' or '#', or a ';' preceded by white space. Doing it here
// rather than in inih is what lets long commented lines fit its buffer.
std::string_view strip_comment(std::string_view line) {
  line = trim(line);
  if (!line.empty() && (line.front() == ';' || line.front() == '#')) return {};
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == ';' && is_space(line[i - 1])) return trim(line.substr(0, i));
  }
  return line;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

// Shared by the line reader and the entry handler that inih calls in turn:
// the reader runs first for each line, so `line` is the number of the line
// whose entry the handler receives.
struct parse_state {
  parse_state(std::string_view t, const std::string& n, std::vector<std::string>* s)
      : text(t), name(n), sections(s) {}

  std::string_view text;
  const std::string& name;
  std::vector<std::string>* sections;
  std::size_t pos = 0;
  int line = 0;
  std::vector<std::string_view> lines;  // as written, trimmed; for messages
  std::vector<ini_entry> entries;
  std::map<std::pair<std::string, std::string>, int> seen;  // (section, key) -> line
  // First error found by us; inih reports its own (syntax) errors by line,
  // and whichever comes first in the file wins.
  std::optional<std::pair<int, std::string>> failure;
  std::exception_ptr exception;  // never let a C++ exception cross inih's C frames

  void fail(std::string message) {
    if (!failure) failure.emplace(line, this->name + ":" + std::to_string(line) + ": " + message);
  }
  std::string syntax_error(int at) const {
    return name + ":" + std::to_string(at) +
           ": syntax error: " + std::string(lines.at(static_cast<std::size_t>(at - 1)));
  }
};

void note_section(parse_state& s, std::string_view cut) {
  if (cut.empty() || cut.front() != '[') return;
  auto close = cut.find(']');
  if (close == std::string_view::npos) return;  // inih reports the syntax error
  auto section = trim(cut.substr(1, close - 1));
  if (section.size() > max_section_name) {
    s.fail("section name too long (at most " + std::to_string(max_section_name) +
           " characters): " + std::string(s.lines.back()));
    return;
  }
  if (s.sections && std::find(s.sections->begin(), s.sections->end(), section) == s.sections->end())
    s.sections->emplace_back(section);
}

// fgets-like reader for ini_parse_stream: one physical line per call, its
// comment and outer white space removed. Returning nullptr ends the parse,
// which is how an error found here stops inih.
char* read_line(char* out, int size, void* stream) {
  auto& s = *static_cast<parse_state*>(stream);
  if (s.failure || s.exception || s.pos >= s.text.size()) return nullptr;
  try {
    auto end = s.text.find('\n', s.pos);
    if (end == std::string_view::npos) end = s.text.size();
    auto raw = s.text.substr(s.pos, end - s.pos);
    s.pos = end + 1;
    ++s.line;
    s.lines.push_back(trim(raw));
    auto cut = strip_comment(raw);
    if (cut.find('\0') != std::string_view::npos) {
      s.fail("NUL byte in line");
      return nullptr;
    }
    if (cut.size() + 1 > static_cast<std::size_t>(size)) {
      s.fail("line too long (" + std::to_string(cut.size()) +
             " bytes without its comment, at most " + std::to_string(size - 1) + ")");
      return nullptr;
    }
    note_section(s, cut);
    if (s.failure) return nullptr;
    if (!cut.empty()) std::memcpy(out, cut.data(), cut.size());  // an empty view may hold nullptr
    out[cut.size()] = '\0';
    return out;
  } catch (...) {
    s.exception = std::current_exception();
    return nullptr;
  }
}

int on_entry(void* user, const char* section, const char* key, const char* value) {
  auto& s = *static_cast<parse_state*>(user);
  if (s.failure || s.exception) return 1;
  try {
    std::string name = lower(trim(key));
    if (name.empty()) {
      // inih accepts "=value"; a key without a name is a syntax error to us.
      s.failure.emplace(s.line, s.syntax_error(s.line));
      return 1;
    }
    std::string sec(trim(section));
    auto [it, inserted] = s.seen.emplace(std::make_pair(sec, name), s.line);
    if (!inserted) {
      s.fail("[" + sec + "] " + name + " is set twice (first on line " +
             std::to_string(it->second) + ")");
      return 1;
    }
    s.entries.push_back(ini_entry{std::move(sec), std::move(name), value, s.line});
  } catch (...) {
    s.exception = std::current_exception();
  }
  return 1;
}

}  // namespace

std::vector<ini_entry> parse_ini(const std::string& text, const std::string& name,
                                 std::vector<std::string>* sections) {
  std::string_view body(text);
  // A UTF-8 byte order mark (Windows editors) is not part of the first line.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (sections) sections->clear();

  parse_state state(body, name, sections);
  int rc = ini_parse_stream(&read_line, &state, &on_entry, &state);
  if (state.exception) std::rethrow_exception(state.exception);
  if (rc < 0) throw error(name + ": cannot parse (inih error " + std::to_string(rc) + ")");
  if (rc > 0 && (!state.failure || rc < state.failure->first)) throw error(state.syntax_error(rc));
  if (state.failure) throw error(state.failure->second);
  return std::move(state.entries);
}

}  // namespace config
