#include "vnet/terminal/command_line.hpp"

#include <algorithm>
#include <limits>

#include "config/values.hpp"

namespace vnet {
namespace {

bool is_space(char c) { return std::string_view(" \t\n\r\v\f").find(c) != std::string_view::npos; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c); }

// RFC 1123 host name: labels of 1-63 letters, digits and '-', not starting
// or ending with '-', separated by single dots; 253 characters at most. The
// last label must not be all digits, so "1.2.3.999" is a bad address rather
// than a name.
bool is_host_name(std::string_view v) {
  if (v.empty() || v.size() > 253) return false;
  std::string_view label;
  for (std::size_t start = 0; start <= v.size(); start += label.size() + 1) {
    label = v.substr(start, v.find('.', start) - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
  }
  return !std::all_of(label.begin(), label.end(), is_digit);
}

// One word as typed, quotes removed; `eq` is where its first unquoted '='
// landed in `text` (npos when none).
struct word {
  std::string text;
  std::size_t eq = std::string::npos;
};

}  // namespace

outcome::result<parsed_args> parse_args(std::string_view line) {
  std::vector<word> words;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    word w;
    bool quoted = false;
    for (; i < line.size() && (quoted || !is_space(line[i])); ++i) {
      char c = line[i];
      if (c == '"') {
        quoted = !quoted;
        continue;
      }
      if (c == '=' && !quoted && w.eq == std::string::npos) w.eq = w.text.size();
      w.text += c;
    }
    if (quoted) return outcome::fail("missing closing quote (\")");
    words.push_back(std::move(w));
  }
  parsed_args out;
  for (auto& w : words) {
    if (w.eq == std::string::npos || w.eq == 0) {
      out.words.push_back(std::move(w.text));
      continue;
    }
    auto key = config::lower_case(std::string_view(w.text).substr(0, w.eq));
    if (out.values.count(key)) return outcome::fail(key + " is given twice");
    out.values.emplace(std::move(key), w.text.substr(w.eq + 1));
  }
  return out;
}

outcome::status check_port(std::string_view key, std::string_view v, std::uint16_t& out) {
  auto port = config::parse_port(v, 1);
  if (!port) return outcome::fail(config::value_error(key, v, port.why()));
  out = *port;
  return {};
}

outcome::status check_serveid(std::string_view key, std::string_view v, std::uint16_t& out, bool allow_zero) {
  auto id = config::parse_serveid(v, allow_zero ? 0 : 1);
  if (!id) return outcome::fail(config::value_error(key, v, id.why()));
  out = *id;
  return {};
}

outcome::status check_vnetid(std::string_view key, std::string_view v, std::uint32_t& out) {
  constexpr auto max = std::numeric_limits<std::uint32_t>::max();
  auto n = config::parse_digits(v);
  if (!n || *n < 1 || *n > max)
    return outcome::fail(config::value_error(key, v, "not a vnetid (1-" + std::to_string(max) + ")"));
  out = static_cast<std::uint32_t>(*n);
  return {};
}

outcome::status check_ip(std::string_view key, std::string_view v) {
  if (config::is_ip_literal(v) || is_host_name(v)) return {};
  return outcome::fail(config::value_error(key, v, "not an IP address or host name"));
}

outcome::status check_ip_literal(std::string_view key, std::string_view v) {
  if (auto st = config::check_ip_literal(v); !st) return outcome::fail(config::value_error(key, v, st.why()));
  return {};
}

outcome::status check_text(std::string_view key, std::string_view v, std::size_t max_bytes) {
  if (auto st = config::check_text(v, max_bytes); !st) return outcome::fail(config::value_error(key, v, st.why()));
  return {};
}

outcome::status check_name(std::string_view key, std::string_view v) {
  if (auto st = config::check_name(v); !st) return outcome::fail(config::value_error(key, v, st.why()));
  return {};
}

}  // namespace vnet
