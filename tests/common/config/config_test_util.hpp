#pragma once
// Helpers shared by the config tests.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace config::test {

inline std::string fixture(const std::string& name) { return std::string(VNET_FIXTURES) + "/" + name; }

inline std::string error_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}

inline const std::string route_head = "[route]\nip=10.0.0.1\nport=7749\n";

inline vnet_config vnet(const std::string& body) { return parse_vnet_config(route_head + body, "t.ini"); }
inline std::string vnet_error(const std::string& body) {
  return error_of([&] { vnet(body); });
}
inline std::string route_error(const std::string& text) {
  return error_of([&] { parse_route_config(text, "r.ini"); });
}

inline bool has_warning(const std::vector<std::string>& warnings, const std::string& text) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

}  // namespace config::test
