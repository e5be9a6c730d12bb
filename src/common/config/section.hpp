#pragma once
// One ini section as the loaders see it, with the typed readers for its
// values. Every failure names file, section, key and the bad value, so the
// message alone tells the user what to fix. Internal to load.cpp.
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
    throw error(file_ + ": [" + name_ + "] " + e.key + " = \"" + e.value +
                "\": " + std::string(why));
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
    auto v = parse_digits(e.value);
    if (!v || *v < min || *v > 65535)
      fail(e, "not a port number (" + std::to_string(min) + "-65535)");
    return static_cast<std::uint16_t>(*v);
  }

  std::uint16_t serveid(const ini_entry& e) const {
    auto v = parse_digits(e.value);
    if (!v || *v > 999) fail(e, "not a serveid (0-999)");
    return static_cast<std::uint16_t>(*v);
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
