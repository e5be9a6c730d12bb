#pragma once
// One ini section as the loaders see it, with the typed readers for its
// values. Every failure names file, section, key and the bad value, so the
// message alone tells the user what to fix. The section class is internal to
// load.cpp; the value rules above it are shared with the vnet terminal, so a
// value typed there is judged exactly as the same value in a file.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/ini_file.hpp"

namespace config {

inline std::string lower_case(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Addresses we bind or listen on must be literals: resolving a name is
// network activity, which loading never does.
inline bool is_ip_literal(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

// Digits only: no sign, no white space, no hex. nullopt on overflow too.
inline std::optional<std::uint64_t> parse_digits(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// `key = "value": why`, the common tail of every bad-value message.
inline std::string value_error(std::string_view key, std::string_view value, std::string_view why) {
  return std::string(key) + " = \"" + std::string(value) + "\": " + std::string(why);
}

// The value rules: nullopt (and `out` set) when `s` is valid, else why not.
inline std::optional<std::string> port_problem(std::string_view s, unsigned min,
                                               std::uint16_t& out) {
  auto v = parse_digits(s);
  if (!v || *v < min || *v > 65535)
    return "not a port number (" + std::to_string(min) + "-65535)";
  out = static_cast<std::uint16_t>(*v);
  return std::nullopt;
}

inline std::optional<std::string> serveid_problem(std::string_view s, unsigned min,
                                                  std::uint16_t& out) {
  auto v = parse_digits(s);
  if (!v || *v < min || *v > 999) return "not a serveid (" + std::to_string(min) + "-999)";
  out = static_cast<std::uint16_t>(*v);
  return std::nullopt;
}

inline std::optional<std::string> ip_literal_problem(std::string_view s) {
  if (is_ip_literal(std::string(s))) return std::nullopt;
  return "not an IP address (IPv4 or IPv6)";
}

class section {
 public:
  section(std::string file, std::string name) : file_(std::move(file)), name_(std::move(name)) {}

  const std::string& file() const { return file_; }
  const std::string& name() const { return name_; }
  const std::vector<ini_entry>& entries() const { return entries_; }
  void add(ini_entry e) { entries_.push_back(std::move(e)); }

  const ini_entry* find(std::string_view key) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const ini_entry& e) { return e.key == key; });
    return it == entries_.end() ? nullptr : &*it;
  }

  const ini_entry& require(std::string_view key) const {
    if (const auto* e = find(key)) return *e;
    throw error(file_ + ": [" + name_ + "] " + std::string(key) + " is required");
  }

  [[noreturn]] void fail(const ini_entry& e, std::string_view why) const {
    throw error(file_ + ": [" + name_ + "] " + value_error(e.key, e.value, why));
  }

  void warn_unknown(std::initializer_list<std::string_view> known,
                    std::vector<std::string>& warnings) const {
    for (const auto& e : entries_) {
      if (std::find(known.begin(), known.end(), e.key) == known.end())
        warnings.push_back(file_ + ": [" + name_ + "] unknown key \"" + e.key + "\" (line " +
                           std::to_string(e.line) + ") ignored");
    }
  }

  std::uint16_t port(const ini_entry& e, unsigned min) const {
    std::uint16_t v = 0;
    if (auto why = port_problem(e.value, min, v)) fail(e, *why);
    return v;
  }

  std::uint16_t serveid(const ini_entry& e) const {
    std::uint16_t v = 0;
    if (auto why = serveid_problem(e.value, 0, v)) fail(e, *why);
    return v;
  }

  std::string ip_literal(const ini_entry& e) const {
    if (auto why = ip_literal_problem(e.value)) fail(e, *why);
    return e.value;
  }

  unsigned count(const ini_entry& e) const {
    auto v = parse_digits(e.value);
    if (!v || *v > std::numeric_limits<unsigned>::max())
      fail(e,
           "not a whole number (0-" + std::to_string(std::numeric_limits<unsigned>::max()) + ")");
    return static_cast<unsigned>(*v);
  }

  bool boolean(const ini_entry& e) const {
    auto v = lower_case(e.value);
    if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
    if (v == "false" || v == "no" || v == "off" || v == "0") return false;
    fail(e, "not a boolean (true/false, yes/no, on/off, 1/0)");
  }

  // Bounded both ways: the protocol carries milliseconds, and callers turn
  // the value into clock durations that a huge double would overflow.
  seconds duration(const ini_entry& e) const {
    const auto& s = e.value;
    double v = 0;
    bool ok = !s.empty() && ((s[0] >= '0' && s[0] <= '9') || s[0] == '.');
    if (ok) {
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
      ok = ec == std::errc{} && end == s.data() + s.size() && v >= 0.001 && v <= 86400;
    }
    if (!ok) fail(e, "not a duration in seconds (e.g. 0.5; 0.001-86400)");
    return seconds{v};
  }

 private:
  std::string file_;
  std::string name_;
  std::vector<ini_entry> entries_;
};

}  // namespace config
