#include "config/rules.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "text/printable.hpp"

namespace config::rules {

std::string show_seconds(seconds s) { return fmt::format("{:g}", s.count()); }

std::string serveid::show(std::uint16_t id) { return fmt::format("{:03}", id); }

outcome::status check_secret(std::string_view v, const char* maker) {
  if (v.size() < min_secret_chars)
    return outcome::fail("is too short: use at least " + std::to_string(min_secret_chars) +
                         " characters (`" + maker + "` prints a strong one)");
  if (!text::is_clean_text(v) || v.find(' ') != std::string_view::npos)
    return outcome::fail("must be printable text without spaces");
  return {};
}

outcome::result<std::string> fingerprint::parse(std::string_view v) {
  constexpr std::string_view prefix = "SHA256:";
  auto body = v.substr(std::min(v.size(), prefix.size()));
  bool ok = v.starts_with(prefix) && body.size() == 43 &&
            std::all_of(body.begin(), body.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/';
            });
  if (ok) return std::string(v);
  return outcome::fail("is not a key fingerprint: expected SHA256: and 43 characters, as the "
                       "route prints it at start");
}

std::string listener::show(const endpoint& ep) {
  if (ep.ip.empty()) return "";
  bool v6 = ep.ip.find(':') != std::string::npos;
  return (v6 ? "[" + ep.ip + "]" : ep.ip) + ":" + std::to_string(ep.port);
}

}  // namespace config::rules
