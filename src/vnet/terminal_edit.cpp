// serve/use new|run|open|close|delete and unserve: arguments from the line,
// the missing ones asked for with their defaults.
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "vnet/terminal.hpp"
#include "vnet/terminal_usage.hpp"

namespace vnet {
namespace {

// Keys a command accepts; anything else is a mistake worth reporting.
std::optional<std::string> unknown_key(const parsed_args& a, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : a.values)
    if (std::find(known.begin(), known.end(), k) == known.end()) return k;
  return std::nullopt;
}

}  // namespace

net::awaitable<std::optional<std::string>> terminal::field(const parsed_args& a, const char* key,
                                                           const char* label,
                                                           std::optional<std::string_view> def, bool ask_it) {
  if (auto it = a.values.find(key); it != a.values.end()) co_return it->second;
  if (!ask_it && def) co_return std::string(*def);
  std::optional<std::string> answer = co_await ask(label, def.value_or(""), def.has_value());
  co_return answer;
}

bool terminal::checked(const std::optional<std::string>& bad, const char* usage) {
  if (bad) error(*bad, usage);
  return !bad;
}

net::awaitable<std::optional<std::string>> terminal::target(const parsed_args& a, const char* what) {
  if (a.words.size() > 2 || !a.values.empty()) {
    error(fmt::format("{} {} takes one {} name or serveid", what, a.words[0], what), find_command(what)->usage);
    co_return std::nullopt;
  }
  if (a.words.size() == 2) co_return a.words[1];
  std::optional<std::string> answer = co_await ask(what, "", false);
  co_return answer;
}

template <typename Table>
net::awaitable<void> terminal::edit(const parsed_args& a, const char* what, Table& table) {
  const char* usage = find_command(what)->usage;
  const std::string action = a.words.empty() ? "" : a.words[0];
  if (action != "open" && action != "close" && action != "delete") {
    error(action.empty() ? fmt::format("{} what?", what) : fmt::format("no {} action '{}'", what, action), usage);
    co_return;
  }
  std::optional<std::string> ref = co_await target(a, what);
  if (!ref) co_return;
  auto* e = table.find_ref(*ref);  // the table may have changed while we asked
  if (!e) {
    error(fmt::format("no {} '{}'", what, *ref));
    co_return;
  }
  auto key = e->cfg.key;
  if (action == "delete") {
    table.remove(e->id);
    print(fmt::format("{} {} deleted", what, key));
  } else if ((action == "open") == e->cfg.active) {
    print(fmt::format("{} {} is already {}", what, key, action == "open" ? "open" : "closed"));
  } else {
    table.set_active(*e, action == "open");
    print(fmt::format("{} {} {}", what, key, action == "open" ? "opened" : "closed"));
  }
}

net::awaitable<void> terminal::serve(const parsed_args& a) {
  const std::string action = a.words.empty() ? "" : a.words[0];
  if (action == "new" || action == "run") co_return co_await serve_new(a, action == "run");
  co_await edit(a, "serve", client_.serves());
}

template <typename Table>
net::awaitable<std::optional<std::string>> terminal::new_key(const parsed_args& a, const char* what, Table& table) {
  const char* usage = find_command(what)->usage;
  if (a.words.size() > 2) {
    error(fmt::format("one {} name at most", what), usage);
    co_return std::nullopt;
  }
  // Initialised, not assigned, from co_await: see net::write_frame on GCC 12.
  std::optional<std::string> key = a.words.size() == 2 ? a.words[1] : std::optional<std::string>{};
  if (!key) {
    std::optional<std::string> asked = co_await ask("name", "", false);
    if (!asked) co_return std::nullopt;
    key = std::move(asked);
  }
  if (auto bad = check_name("name", *key)) {
    error(*bad, usage);
    co_return std::nullopt;
  }
  if (table.find_key(*key)) {
    error(fmt::format("{} '{}' already exists", what, *key));
    co_return std::nullopt;
  }
  co_return key;
}

net::awaitable<void> terminal::serve_new(const parsed_args& a, bool run) {
  const char* usage = find_command("serve")->usage;
  if (auto k = unknown_key(a, {"serveid", "ip", "port", "name", "info", "type"})) {
    error(fmt::format("serve {} takes no '{}'", a.words[0], *k), usage);
    co_return;
  }
  const bool ask_all = a.values.empty();  // nothing on the line: a guided dialogue
  std::optional<std::string> named = co_await new_key(a, "serve", client_.serves());
  if (!named) co_return;
  const std::string key = *named;
  config::serve_config cfg;
  cfg.key = key;
  std::optional<std::string> serveid = co_await field(a, "serveid", "serveid", "000", ask_all);
  if (!serveid || !checked(check_serveid("serveid", *serveid, cfg.serveid, true), usage)) co_return;
  std::optional<std::string> ip = co_await field(a, "ip", "ip", "127.0.0.1", ask_all);
  if (!ip || !checked(check_ip("ip", *ip), usage)) co_return;
  std::optional<std::string> port = co_await field(a, "port", "port", std::nullopt, true);
  if (!port || !checked(check_port("port", *port, cfg.port), usage)) co_return;
  std::optional<std::string> info = co_await field(a, "info", "info", "", ask_all);
  if (!info) co_return;
  auto type = a.values.contains("type") ? a.values.at("type") : "tcp";
  if (type != "tcp") {
    error(fmt::format("type = \"{}\": only tcp is supported", type), usage);
    co_return;
  }
  cfg.ip = *ip;
  cfg.info = *info;
  cfg.name = a.values.contains("name") ? a.values.at("name") : key;
  cfg.active = run;
  client_.serves().add(cfg);
  print(fmt::format("serve {} created{}", key, run ? " and opened" : " (inactive)"));
}

net::awaitable<void> terminal::use(const parsed_args& a) {
  const std::string action = a.words.empty() ? "" : a.words[0];
  if (action == "new" || action == "run") co_return co_await use_new(a, action == "run");
  co_await edit(a, "use", client_.uses());
}

net::awaitable<void> terminal::use_new(const parsed_args& a, bool run) {
  const char* usage = find_command("use")->usage;
  if (auto k = unknown_key(a, {"serveid", "ip", "port"})) {
    error(fmt::format("use {} takes no '{}'", a.words[0], *k), usage);
    co_return;
  }
  const bool ask_all = a.values.empty();  // nothing on the line: a guided dialogue
  std::optional<std::string> named = co_await new_key(a, "use", client_.uses());
  if (!named) co_return;
  const std::string key = *named;
  config::use_config cfg;
  cfg.key = key;
  std::optional<std::string> serveid = co_await field(a, "serveid", "serveid", std::nullopt, true);
  if (!serveid || !checked(check_serveid("serveid", *serveid, cfg.serveid, false), usage)) co_return;
  std::optional<std::string> ip = co_await field(a, "ip", "ip", "127.0.0.1", ask_all);
  if (!ip || !checked(check_ip_literal("ip", *ip), usage)) co_return;
  std::string served = "auto";
  for (const auto& s : client_.group_serves().serves)
    if (s.serve.serveid == cfg.serveid) served = std::to_string(s.serve.port);
  std::optional<std::string> port = co_await field(a, "port", "port", served, ask_all);
  if (!port || (*port != "auto" && !checked(check_port("port", *port, cfg.port), usage))) co_return;
  cfg.ip = *ip;
  cfg.active = run;
  client_.uses().add(cfg);
  print(fmt::format("use {} created{}", key, run ? " and opened" : " (inactive)"));
}

net::awaitable<void> terminal::unserve(const parsed_args& a) {
  const char* usage = find_command("unserve")->usage;
  if (auto k = unknown_key(a, {"vnetid", "ip", "port", "local_ip", "local_port"}); k || !a.words.empty()) {
    error(k ? fmt::format("unserve takes no '{}'", *k) : "unserve takes key=value arguments only", usage);
    co_return;
  }
  const bool ask_all = a.values.empty();
  std::uint32_t vnetid = 0;
  std::uint16_t port = 0;
  std::optional<std::string> vnet = co_await field(a, "vnetid", "to vnetid", std::nullopt, true);
  if (!vnet || !checked(check_vnetid("vnetid", *vnet, vnetid), usage)) co_return;
  std::optional<std::string> ip = co_await field(a, "ip", "ip", "127.0.0.1", ask_all);
  if (!ip || !checked(check_ip("ip", *ip), usage)) co_return;
  std::optional<std::string> port_text = co_await field(a, "port", "port", std::nullopt, true);
  if (!port_text || !checked(check_port("port", *port_text, port), usage)) co_return;

  print(fmt::format("asking vnet {:02} for {} ...", vnetid, net::host_port(*ip, port)));
  protocol::message m = protocol::unserve_request{0, vnetid, *ip, port};
  reply r = co_await client_.request(std::move(m), std::chrono::seconds(15));
  const auto* res = r.msg ? std::get_if<protocol::unserve_result>(&*r.msg) : nullptr;
  if (!res) {
    // Timed out: the route passed it on, the vnet never answered.
    error(r.error.starts_with("no answer") ? fmt::format("no answer from vnet {:02}", vnetid) : r.error);
    co_return;
  }
  if (!res->ok) {
    print(fmt::format("vnet {:02} refused: {}", vnetid, res->reason));
    co_return;
  }
  auto serveid = res->serveid;
  print(fmt::format("vnet {:02} accepted: serveid {:03}", vnetid, serveid));

  config::use_config cfg;
  cfg.key = fmt::format("unserve-{:03}", serveid);
  cfg.serveid = serveid;
  // The local side is always asked (unless on the line): where to map it.
  std::optional<std::string> local_ip = co_await field(a, "local_ip", "ip", "127.0.0.1", true);
  if (!local_ip || !checked(check_ip_literal("ip", *local_ip), usage)) co_return;
  const std::string remote_port = std::to_string(port);
  std::optional<std::string> local_port = co_await field(a, "local_port", "port", remote_port, true);
  if (!local_port || !checked(check_port("port", *local_port, cfg.port), usage)) co_return;
  cfg.ip = *local_ip;
  auto& uses = client_.uses();
  if (auto* old = uses.find_key(cfg.key)) uses.remove(old->id);
  uses.add(cfg, true);
  print(fmt::format("use {} created: {} -> serveid {:03}", cfg.key, net::host_port(cfg.ip, cfg.port), serveid));
}

}  // namespace vnet
