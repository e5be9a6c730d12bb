#include "config/flags.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <tuple>
#include <utility>

#include "config/rules.hpp"
#include "config/values.hpp"
#include "platform/host.hpp"
#include "protocol/limits.hpp"

namespace config {
namespace {

[[noreturn]] void fail(const char* flag, const std::string& value, const std::string& why) {
  throw error(std::string(flag) + " " + value + ": " + why);
}

std::uint16_t port_of(const char* flag, const std::string& value, const std::string& field) {
  auto port = parse_port(field, 1);
  if (!port) fail(flag, value, port.why());
  return *port;
}

std::uint16_t serveid_of(const char* flag, const std::string& value, const std::string& field,
                         unsigned min) {
  auto id = parse_serveid(field, min);
  if (!id) fail(flag, value, id.why());
  return *id;
}

// The name others see when --name is not given: the host name, if it is a
// valid vnet name; "vnet" (a file's default) otherwise.
std::string default_name() {
  const std::string host = platform::hostname();
  if (!host.empty() && check_text(host, protocol::max_name_bytes)) return host;
  return "vnet";
}

// "53:700/udp" -> {"53:700", "udp"}; without a suffix the type is "" (a
// serve's is then tcp, a use's the serve's).
std::pair<std::string, std::string> split_type(const char* flag, const std::string& value) {
  const auto slash = value.rfind('/');
  if (slash == std::string::npos) return {value, {}};
  auto type = rules::serve_type::parse(std::string_view(value).substr(slash + 1));
  if (!type) fail(flag, value, "the type after '/' is " + type.why());
  return {value.substr(0, slash), *type};
}

// "ssh", then "ssh-2", "ssh-3"… for a second serve or use of the same kind.
std::string unique_key(std::set<std::string>& taken, const std::string& base) {
  std::string key = base;
  for (int n = 2; !taken.insert(key).second; ++n) key = base + "-" + std::to_string(n);
  return key;
}

// The first line of `path`, judged as the file's key would be. The error
// names the flag and the file, never the secret.
std::string secret_from(const char* flag, const std::string& path,
                        outcome::result<std::string> (*parse)(std::string_view)) {
  std::ifstream in(path);
  if (!in) throw error(std::string(flag) + " " + path + ": cannot read it: " + std::strerror(errno));
  std::string line;
  if (!std::getline(in, line)) throw error(std::string(flag) + " " + path + ": the file is empty");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  auto v = parse(line);
  if (!v) throw error(std::string(flag) + " " + path + ": the secret in it " + v.why());
  return *v;
}

}  // namespace

std::vector<std::string> split_colon_fields(const std::string& s) {
  std::vector<std::string> out;
  std::string field;
  bool bracket = false;
  for (char c : s) {
    if (c == '[' && field.empty() && !bracket) {
      bracket = true;
    } else if (c == ']' && bracket) {
      bracket = false;
    } else if (c == ':' && !bracket) {
      out.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(field);
  return out;
}

vnet_config vnet_config_from_flags(const vnet_flags& f) {
  vnet_config c;
  c.name = default_name();
  if (f.route.empty()) throw error("--route HOST:PORT is required (the route's address)");
  auto route = split_colon_fields(f.route);
  if (route.size() != 2 || route[0].empty())
    fail("--route", f.route, "expected HOST:PORT, e.g. 203.0.113.10:7749 or [2001:db8::1]:7749");
  c.route = {route[0], port_of("--route", f.route, route[1])};
  if (!f.group.empty()) {
    if (auto st = check_text(f.group, protocol::max_group_bytes); !st) fail("--group", f.group, st.why());
    c.group = f.group;
  }
  if (!f.name.empty()) {
    if (auto st = check_text(f.name, protocol::max_name_bytes); !st) fail("--name", f.name, st.why());
    c.name = f.name;
  }
  if (!f.token_file.empty()) c.token = secret_from("--token-file", f.token_file, rules::route_secret::parse);
  if (!f.group_key_file.empty())
    c.group_key = secret_from("--group-key-file", f.group_key_file, rules::group_secret::parse);
  if (!f.fingerprint.empty()) {
    auto pin = rules::fingerprint::parse(f.fingerprint);
    if (!pin) fail("--fingerprint", f.fingerprint, pin.why());
    c.fingerprint = *pin;
  }
  std::set<std::string> keys;
  std::set<std::uint16_t> serveids;
  for (const auto& written : f.serves) {
    const std::string& v = written;
    auto [spec, type] = split_type("--serve", v);
    auto fields = split_colon_fields(spec);
    if (fields.size() < 2 || fields.size() > 3)
      fail("--serve", v, "expected [IP:]PORT:SERVEID, e.g. 22:700 or 192.168.1.5:80:701");
    serve_config s;
    if (fields.size() == 3) {
      if (auto st = check_text(fields[0], protocol::max_ip_bytes); !st || fields[0].empty())
        fail("--serve", v, !st ? st.why() : "the address is empty");
      s.ip = fields[0];
    }
    s.port = port_of("--serve", v, fields[fields.size() - 2]);
    s.serveid = serveid_of("--serve", v, fields.back(), 0);
    if (s.serveid != 0 && !serveids.insert(s.serveid).second)
      fail("--serve", v, "serveid " + std::to_string(s.serveid) + " is given twice");
    if (!type.empty()) s.type = type;
    s.key = unique_key(keys, "port" + std::to_string(s.port));
    s.name = s.key;
    c.serves.push_back(std::move(s));
  }
  std::set<std::tuple<std::string, std::uint16_t, std::string>> listens;
  for (const auto& written : f.uses) {
    const std::string& v = written;
    auto [spec, type] = split_type("--use", v);
    auto fields = split_colon_fields(spec);
    if (fields.size() < 2 || fields.size() > 3)
      fail("--use", v, "expected SERVEID:[IP:]PORT, e.g. 700:1122 or 700:127.0.0.2:1122");
    use_config u;
    u.serveid = serveid_of("--use", v, fields[0], 1);
    if (fields.size() == 3) {
      // A use listens on this address: it must be one of ours, a literal.
      if (auto st = check_ip_literal(fields[1]); !st) fail("--use", v, st.why());
      u.ip = fields[1];
    }
    u.port = port_of("--use", v, fields.back());
    u.type = type;
    if (!listens.insert({u.ip, u.port, type == "udp" ? "udp" : "tcp"}).second)
      fail("--use", v, "port " + std::to_string(u.port) + " is given twice");
    u.key = unique_key(keys, "use" + std::to_string(u.serveid));
    c.uses.push_back(std::move(u));
  }
  return c;
}

}  // namespace config
