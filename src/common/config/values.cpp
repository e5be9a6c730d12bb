#include "config/values.hpp"

#include <charconv>
#include <cstring>
#include <limits>

#include "config/config.hpp"
#include "protocol/limits.hpp"
#include "text/printable.hpp"
#include "platform/ip_text.hpp"

namespace config {

static_assert(max_name_bytes == protocol::max_name_bytes, "a name that loads must pass the route");

std::string lower_case(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::uint64_t> parse_digits(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string value_error(std::string_view key, std::string_view value, std::string_view why) {
  return std::string(key) + " = \"" + std::string(value) + "\": " + std::string(why);
}

outcome::result<std::uint16_t> parse_port(std::string_view s, unsigned min) {
  auto v = parse_digits(s);
  if (!v || *v < min || *v > 65535)
    return outcome::fail("not a port number (" + std::to_string(min) + "-65535)");
  return static_cast<std::uint16_t>(*v);
}

outcome::result<std::uint16_t> parse_serveid(std::string_view s, unsigned min) {
  auto v = parse_digits(s);
  if (!v || *v < min || *v > 999)
    return outcome::fail("not a serveid (" + std::to_string(min) + "-999)");
  return static_cast<std::uint16_t>(*v);
}

bool is_ip_literal(std::string_view ip) {
  std::string z(ip);  // inet_pton wants a terminated string
  unsigned char buf[16];
  return platform::parse_ipv4(z.c_str(), buf) || platform::parse_ipv6(z.c_str(), buf);
}

outcome::status check_ip_literal(std::string_view s) {
  if (is_ip_literal(s)) return {};
  return outcome::fail("not an IP address (IPv4 or IPv6)");
}

bool is_loopback(std::string_view ip) {
  std::string z(ip);
  unsigned char b[16];
  if (platform::parse_ipv4(z.c_str(), b)) return b[0] == 127;
  if (!platform::parse_ipv6(z.c_str(), b)) return false;
  static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, v4_mapped, 12) == 0) return b[12] == 127;
  for (int i = 0; i < 15; ++i)
    if (b[i] != 0) return false;
  return b[15] == 1;
}

outcome::result<host_port> parse_host_port(std::string_view s, unsigned min) {
  const auto expected =
      outcome::fail("not an address: expected IP:PORT, e.g. 127.0.0.1:9749 or [::1]:9749");
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return expected;
  auto host = s.substr(0, colon);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  std::string z(host);
  unsigned char buf[16];
  bool v4 = platform::parse_ipv4(z.c_str(), buf);
  bool v6 = platform::parse_ipv6(z.c_str(), buf);
  if (!(bracketed ? v6 : v4)) return expected;
  auto port = parse_port(s.substr(colon + 1), min);
  if (!port) return port.error();
  return host_port{z, *port};
}

outcome::result<bool> parse_boolean(std::string_view s) {
  auto v = lower_case(s);
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return outcome::fail("not a boolean (true/false, yes/no, on/off, 1/0)");
}

outcome::result<unsigned> parse_count(std::string_view s) {
  constexpr auto max = std::numeric_limits<unsigned>::max();
  auto v = parse_digits(s);
  if (!v || *v > max) return outcome::fail("not a whole number (0-" + std::to_string(max) + ")");
  return static_cast<unsigned>(*v);
}

outcome::result<unsigned> parse_limit(std::string_view s) {
  auto v = parse_digits(s);
  if (!v || *v < 1 || *v > max_limit)
    return outcome::fail("not a limit (a whole number, 1-" + std::to_string(max_limit) + ")");
  return static_cast<unsigned>(*v);
}

outcome::result<std::chrono::duration<double>> parse_duration(std::string_view s) {
  double v = 0;
  bool ok = !s.empty() && ((s[0] >= '0' && s[0] <= '9') || s[0] == '.');
  if (ok) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    ok = ec == std::errc{} && end == s.data() + s.size() && v >= 0.001 && v <= 86400;
  }
  if (!ok) return outcome::fail("not a duration in seconds (e.g. 0.5; 0.001-86400)");
  return std::chrono::duration<double>{v};
}

namespace {

// Decodes one UTF-8 character at s[i]; returns its length, 0 when the bytes
// are not well-formed UTF-8 (overlong forms and surrogates included).
std::size_t utf8_char(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? b : b & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool is_name_char(char32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  // C1 controls, the non-ASCII spaces and line breaks that would split a
  // terminal word or a log line without showing it (U+00A0 included), and
  // the bidirectional overrides and isolates that reorder what follows.
  return c > 0xA0 && c != 0x1680 && !(c >= 0x2000 && c <= 0x200F) &&
         !(c >= 0x2028 && c <= 0x202F) && c != 0x205F && !(c >= 0x2066 && c <= 0x2069) &&
         c != 0x3000 && c != 0xFEFF;
}

}  // namespace

outcome::status check_name(std::string_view s) {
  bool ok = !s.empty() && s.size() <= max_name_bytes;
  for (std::size_t i = 0; ok && i < s.size();) {
    char32_t cp = 0;
    auto n = utf8_char(s, i, cp);
    ok = n != 0 && is_name_char(cp);
    i += n;
  }
  if (ok) return {};
  return outcome::fail("not a name (1-" + std::to_string(max_name_bytes) +
                       " bytes of A-Z a-z 0-9 _ . - and non-ASCII characters such as 网页; no spaces)");
}

outcome::status check_text(std::string_view s, std::size_t max_bytes) {
  if (!text::is_clean_text(s)) return outcome::fail("contains a control character or is not UTF-8");
  if (s.size() > max_bytes)
    return outcome::fail("longer than " + std::to_string(max_bytes) + " bytes (" +
                         std::to_string(s.size()) + ")");
  return {};
}

}  // namespace config
