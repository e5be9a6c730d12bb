#pragma once
// The rules a schema row (config/schema.hpp) reads its value with: each
// turns the text of a file into the member's type, or says why not (the
// loader adds file, section, key and value), and shows a value back as a
// file or a reload summary writes it. The value rules themselves live in
// values.hpp, shared with the terminal and the command line.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/auto_limit.hpp"
#include "config/config.hpp"
#include "config/values.hpp"
#include "outcome/result.hpp"

namespace config::rules {

std::string show_seconds(seconds s);  // "6", "2.5"

struct duration {
  static outcome::result<seconds> parse(std::string_view v) {
    return parse_duration(v);
  }
  static std::string show(seconds s) { return show_seconds(s); }
};

struct flag {
  static outcome::result<bool> parse(std::string_view v) {
    return parse_boolean(v);
  }
  static std::string show(bool b) { return b ? "true" : "false"; }
};

// Any whole number that fits `unsigned`.
struct count {
  static outcome::result<unsigned> parse(std::string_view v) {
    return parse_count(v);
  }
  static std::string show(unsigned n) { return std::to_string(n); }
};

// A quota: 1..max_limit.
struct limit : count {
  static outcome::result<unsigned> parse(std::string_view v) {
    return parse_limit(v);
  }
};

// A link quota: "auto" (config::auto_limit, sized from the descriptor
// limit when checked: config/auto_limit.hpp) or 1..max_limit.
struct link_limit {
  static outcome::result<unsigned> parse(std::string_view v) {
    if (lower_case(v) == "auto") return auto_limit;
    auto n = parse_limit(v);
    if (!n) return outcome::fail("not a limit (auto, or a whole number, 1-" + std::to_string(max_limit) + ")");
    return n;
  }
  static std::string show(unsigned n) { return n == auto_limit ? "auto" : std::to_string(n); }
};

// [vnet] max_idle_links: 0 (no pools) to max_idle_links_bound.
struct pool_size : count {
  static outcome::result<unsigned> parse(std::string_view v) {
    auto n = parse_digits(v);
    if (!n || *n > max_idle_links_bound)
      return outcome::fail("not a pool size (a whole number, 0-" +
                           std::to_string(max_idle_links_bound) + ")");
    return static_cast<unsigned>(*n);
  }
};

template <unsigned Min>
struct port {
  static outcome::result<std::uint16_t> parse(std::string_view v) {
    return parse_port(v, Min);
  }
  static std::string show(std::uint16_t p) { return std::to_string(p); }
};

// 0 (the route assigns one) or 1-999, written with three digits ("000", "700").
struct serveid {
  static outcome::result<std::uint16_t> parse(std::string_view v) {
    return parse_serveid(v, 0);
  }
  static std::string show(std::uint16_t id);
};

struct text_value {
  static std::string show(const std::string& s) { return s; }
};

// An address we bind or listen on: a literal, never a name to resolve.
struct ip_literal : text_value {
  static outcome::result<std::string> parse(std::string_view v) {
    if (auto st = check_ip_literal(v); !st) return st.error();
    return std::string(v);
  }
};

// Any text but the empty one (a route's host name, a file name).
struct not_empty : text_value {
  static outcome::result<std::string> parse(std::string_view v) {
    if (v.empty()) return outcome::fail("must not be empty");
    return std::string(v);
  }
};

// Text that travels to the route: within the protocol's limit for it, and
// not empty unless `MayBeEmpty`.
template <std::size_t Max, bool MayBeEmpty = false>
struct sent_text : text_value {
  static outcome::result<std::string> parse(std::string_view v) {
    if (!MayBeEmpty && v.empty()) return outcome::fail("must not be empty");
    if (auto st = check_text(v, Max); !st) return st.error();
    return std::string(v);
  }
};

// A secret typed by people: long enough not to be guessed online. `maker`
// is the command that prints a strong one.
outcome::status check_secret(std::string_view v, const char* maker);
struct route_secret : text_value {  // [route] token, status_token
  static outcome::result<std::string> parse(std::string_view v) {
    if (auto st = check_secret(v, "route --gen-token"); !st) return st.error();
    return std::string(v);
  }
};
struct group_secret : text_value {  // [vnet] group_key
  static outcome::result<std::string> parse(std::string_view v) {
    if (auto st = check_secret(v, "vnet --gen-key"); !st) return st.error();
    return std::string(v);
  }
};

// "SHA256:" and 43 characters of unpadded base64, as the route prints it.
struct fingerprint : text_value {
  static outcome::result<std::string> parse(std::string_view v);
};

// [serve.NAME] and [use.NAME] type: tcp or udp, in any case.
struct serve_type : text_value {
  static outcome::result<std::string> parse(std::string_view v) {
    auto t = lower_case(v);
    if (t != "tcp" && t != "udp") return outcome::fail("tcp or udp");
    return t;
  }
};

// metrics = IP:PORT; the listener is off while the ip is empty.
struct listener {
  static outcome::result<endpoint> parse(std::string_view v) {
    auto hp = parse_host_port(v, 0);
    if (!hp) return hp.error();
    return endpoint{hp->ip, hp->port};
  }
  static std::string show(const endpoint& ep);
};

}  // namespace config::rules
