#pragma once
// What the user typed at the terminal: words, key=value pairs, and the
// checks for typed values. Errors read like the config file's, without the
// file and section: `port = "abc": not a port number (1-65535)`.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outcome/result.hpp"

namespace vnet {

struct parsed_args {
  std::vector<std::string> words;             // positional words, in order
  std::map<std::string, std::string> values;  // key=value pairs (key lower-cased)
};

// Splits on white space. Double quotes group and are removed: `info="my box"`
// gives info = `my box`, `"a b"` the word `a b`, `""` an empty word. A word
// whose first unquoted '=' follows a non-empty key is a key=value (so
// `"a=b"` and `=b` stay words). No escapes: a value cannot contain '"'.
// A problem for an unterminated quote or a key given twice.
outcome::result<parsed_args> parse_args(std::string_view line);

// Each is ok (and sets `out`) when `v` is fine, else a problem whose text
// names `key` (the name the user typed or was asked for).
outcome::status check_port(std::string_view key, std::string_view v, std::uint16_t& out);  // 1-65535
// 1-999, and 0 (also written 000) only when `allow_zero`: "let the route pick".
outcome::status check_serveid(std::string_view key, std::string_view v, std::uint16_t& out, bool allow_zero);
outcome::status check_vnetid(std::string_view key, std::string_view v,
                             std::uint32_t& out);  // 1-4294967295, "01" is 1
// An IPv4/IPv6 literal or a host name (dot-separated labels of letters,
// digits and '-'): where a serve's service runs, what an unserve asks for.
outcome::status check_ip(std::string_view key, std::string_view v);
// An IPv4/IPv6 literal only: where a use listens (as [use.NAME] ip).
outcome::status check_ip_literal(std::string_view key, std::string_view v);
// Free text sent to the route (a serve's name, info): clean UTF-8 of at most
// max_bytes, the protocol's limit for that field.
outcome::status check_text(std::string_view key, std::string_view v, std::size_t max_bytes);
// A serve or use key (the NAME of [serve.NAME]), as the config file judges
// it: 1-64 characters, each A-Z a-z 0-9 _ . - or a printable non-ASCII
// character (网页); no spaces.
outcome::status check_name(std::string_view key, std::string_view v);

}  // namespace vnet
