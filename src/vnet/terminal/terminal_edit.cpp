// serve/use new|run|open|close|delete and unserve: arguments from the line,
// the missing ones asked for with their defaults.
#include <fmt/format.h>

#include "config/rules.hpp"
#include "config/schema.hpp"
#include "net/endpoint.hpp"
#include "protocol/limits.hpp"
#include "text/printable.hpp"
#include "vnet/terminal/terminal.hpp"
#include "vnet/terminal/terminal_usage.hpp"

namespace vnet {
namespace {

// Keys a command accepts; anything else is a mistake worth reporting.
std::optional<std::string> unknown_key(const parsed_args& a, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : a.values)
    if (std::find(known.begin(), known.end(), k) == known.end()) return k;
  return std::nullopt;
}

// What a serveid reference matches: a serve by the id it asked for or was
// granted, a use by the id it uses.
bool has_serveid(const serve_entry& e, std::uint16_t id) {
  return (e.state == serve_state::registered && e.serveid == id) || e.cfg.serveid == id;
}
bool has_serveid(const use_entry& e, std::uint16_t id) { return e.cfg.serveid == id; }

// What `use open` or `use run` led to, said plainly: a use may be created
// and still not listen (a busy port, a serveid nobody offers).
std::string use_outcome(const use_entry& e, double retry_seconds) {
  switch (e.state) {
    case use_state::listening:
      return fmt::format("listening on {}", net::host_port(e.cfg.ip, e.listen_port));
    case use_state::port_busy:
      return fmt::format("port {} is busy ({}), retrying every {:g} s", e.listen_port, e.reason, retry_seconds);
    case use_state::standby:
      return "standing by: " + (e.reason.empty() ? fmt::format("serveid {:03} is not offered", e.cfg.serveid)
                                                 : text::printable(e.reason));
    case use_state::no_serveid: return "standing by: it has no serveid";
    case use_state::inactive: break;
  }
  return "inactive";
}

// What a new serve or use offers when a key is not given: the file's
// defaults, from the schema (views into it: no temporaries in co_await).
std::string_view serve_default(std::string_view key) {
  return config::default_text(config::serve_keys(), key);
}
std::string_view use_default(std::string_view key) { return config::default_text(config::use_keys(), key); }

}  // namespace

template <typename Table>
std::optional<std::string> terminal::resolve(Table& table, const char* what, const std::string& ref) {
  std::uint16_t id = 0;
  const bool by_id = check_serveid("serveid", ref, id, false).ok();
  std::vector<std::string> hits;
  for (const auto& e : table.entries())
    if (e.cfg.key == ref || (by_id && has_serveid(e, id))) hits.push_back(e.cfg.key);
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) {
    error(fmt::format("no {} '{}'", what, ref));
  } else {  // acting on one of them would be a guess
    std::string names;
    for (const auto& k : hits) names += (names.empty() ? "" : ", ") + k;
    error(fmt::format("{} matches {}: name one of them", ref, names));
  }
  return std::nullopt;
}

net::awaitable<std::optional<std::string>> terminal::field(const parsed_args& a, const char* key,
                                                           const char* label,
                                                           std::optional<std::string_view> def, bool ask_it) {
  if (auto it = a.values.find(key); it != a.values.end()) co_return it->second;
  if ((!ask_it || !in_) && def) co_return std::string(*def);  // ctl: nobody to ask
  // ask() would name the question; on the line it is the key.
  std::optional<std::string> answer = co_await ask(in_ ? label : key, def.value_or(""), def.has_value());
  co_return answer;
}

bool terminal::checked(const outcome::status& st, const char* usage) {
  if (!st) error(st.why(), usage);
  return st.ok();
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
net::awaitable<void> terminal::edit(const parsed_args& a, command_id id, Table& table) {
  const char* what = command(id).name;
  const char* usage = command(id).usage;
  const std::string word = a.words.empty() ? "" : a.words[0];
  const auto action = word_id<edit_action>(word, command(id).words);  // new and run went elsewhere
  if (!action) {
    error(word.empty() ? fmt::format("{} what?", what) : fmt::format("no {} action '{}'", what, word), usage);
    co_return;
  }
  std::optional<std::string> ref = co_await target(a, what);
  if (!ref) co_return;
  // Resolved after the question: the table may have changed while we asked.
  const std::optional<std::string> key = resolve(table, what, *ref);
  if (!key) co_return;
  auto* e = table.find_key(*key);
  const bool open = *action == edit_action::open;
  if (*action == edit_action::delete_) {
    table.remove(e->id);
    print(fmt::format("{} {} deleted", what, *key));
  } else if (open == e->cfg.active) {
    print(fmt::format("{} {} is already {}", what, *key, open ? "open" : "closed"));
  } else if (!open) {
    table.set_active(*e, false);
    print(fmt::format("{} {} closed", what, *key));
  } else {
    table.set_active(*e, true);
    if constexpr (std::is_same_v<Table, use_table>)
      print(fmt::format("use {}{} {}", *key, e->state == use_state::listening ? " opened:" : ":",
                        use_outcome(*e, client_.config().heartbeat.count())));
    else
      print(fmt::format("{} {} opened", what, *key));
  }
}

net::awaitable<void> terminal::serve(const parsed_args& a) {
  const auto action = word_id<edit_action>(a.words.empty() ? "" : a.words[0], command(command_id::serve).words);
  if (action == edit_action::new_ || action == edit_action::run)
    co_return co_await serve_new(a, action == edit_action::run);
  co_await edit(a, command_id::serve, client_.serves());
}

template <typename Table>
net::awaitable<std::optional<std::string>> terminal::new_key(const parsed_args& a, const char* what, Table& table,
                                                             std::initializer_list<std::string_view> known) {
  const char* usage = find_command(what)->usage;
  if (auto k = unknown_key(a, known)) {
    error(fmt::format("{} {} takes no '{}'", what, a.words[0], *k), usage);
    co_return std::nullopt;
  }
  if (a.words.size() > 2) {
    error(fmt::format("one {} name at most", what), usage);
    co_return std::nullopt;
  }
  // Initialised, not assigned, from co_await: see net::frame::write_frame on GCC 12.
  std::optional<std::string> key = a.words.size() == 2 ? a.words[1] : std::optional<std::string>{};
  if (!key) {
    std::optional<std::string> asked = co_await ask("name", "", false);
    if (!asked) co_return std::nullopt;
    key = std::move(asked);
  }
  if (auto st = check_name("name", *key); !st) {
    error(st.why(), usage);
    co_return std::nullopt;
  }
  if (table.find_key(*key)) {
    error(fmt::format("{} '{}' already exists", what, *key));
    co_return std::nullopt;
  }
  co_return key;
}

net::awaitable<void> terminal::serve_new(const parsed_args& a, bool run) {
  const char* usage = command(command_id::serve).usage;
  const bool ask_all = a.values.empty();  // nothing on the line: a guided dialogue
  // Named, not a temporary in the co_await (docs/architecture.md, GCC 12 co_await rule).
  const std::initializer_list<std::string_view> known = {"serveid", "ip", "port", "name", "info", "type"};
  std::optional<std::string> named = co_await new_key(a, "serve", client_.serves(), known);
  if (!named) co_return;
  const std::string key = *named;
  config::serve_config cfg;
  cfg.key = key;
  std::optional<std::string> serveid = co_await field(a, "serveid", "serveid", serve_default("serveid"), ask_all);
  if (!serveid || !checked(check_serveid("serveid", *serveid, cfg.serveid, true), usage)) co_return;
  std::optional<std::string> ip = co_await field(a, "ip", "ip", serve_default("ip"), ask_all);
  if (!ip || !checked(check_ip("ip", *ip), usage)) co_return;
  std::optional<std::string> port = co_await field(a, "port", "port", std::nullopt, true);
  if (!port || !checked(check_port("port", *port, cfg.port), usage)) co_return;
  std::optional<std::string> info = co_await field(a, "info", "info", serve_default("info"), ask_all);
  if (!info || !checked(check_text("info", *info, protocol::max_info_bytes), usage)) co_return;
  if (a.values.contains("name") &&
      !checked(check_text("name", a.values.at("name"), protocol::max_name_bytes), usage))
    co_return;
  auto type = config::rules::serve_type::parse(a.values.contains("type") ? a.values.at("type") : "tcp");
  if (!type) {
    error(fmt::format("type = \"{}\": {}", a.values.at("type"), type.why()), usage);
    co_return;
  }
  cfg.type = *type;
  cfg.ip = *ip;
  cfg.info = *info;
  cfg.name = a.values.contains("name") ? a.values.at("name") : key;
  cfg.active = run;
  client_.serves().add(cfg);
  print(fmt::format("serve {} created{}", key, run ? " and opened" : " (inactive)"));
}

net::awaitable<void> terminal::use(const parsed_args& a) {
  const auto action = word_id<edit_action>(a.words.empty() ? "" : a.words[0], command(command_id::use).words);
  if (action == edit_action::new_ || action == edit_action::run)
    co_return co_await use_new(a, action == edit_action::run);
  co_await edit(a, command_id::use, client_.uses());
}

net::awaitable<void> terminal::use_new(const parsed_args& a, bool run) {
  const char* usage = command(command_id::use).usage;
  const bool ask_all = a.values.empty();  // nothing on the line: a guided dialogue
  // Named, not a temporary in the co_await (docs/architecture.md, GCC 12 co_await rule).
  const std::initializer_list<std::string_view> known = {"serveid", "ip", "port", "type"};
  std::optional<std::string> named = co_await new_key(a, "use", client_.uses(), known);
  if (!named) co_return;
  const std::string key = *named;
  config::use_config cfg;
  cfg.key = key;
  std::optional<std::string> serveid = co_await field(a, "serveid", "serveid", std::nullopt, true);
  if (!serveid || !checked(check_serveid("serveid", *serveid, cfg.serveid, false), usage)) co_return;
  std::optional<std::string> ip = co_await field(a, "ip", "ip", use_default("ip"), ask_all);
  if (!ip || !checked(check_ip_literal("ip", *ip), usage)) co_return;
  std::string served = "auto";
  for (const auto& s : client_.group_serves().serves)
    if (s.serve.serveid == cfg.serveid) served = std::to_string(s.serve.port);
  std::optional<std::string> port = co_await field(a, "port", "port", served, ask_all);
  if (!port || (*port != "auto" && !checked(check_port("port", *port, cfg.port), usage))) co_return;
  if (a.values.contains("type")) {
    auto type = config::rules::serve_type::parse(a.values.at("type"));
    if (!type) {
      error(fmt::format("type = \"{}\": {}", a.values.at("type"), type.why()), usage);
      co_return;
    }
    cfg.type = *type;
  }
  cfg.ip = *ip;
  cfg.active = run;
  const auto& e = client_.uses().add(cfg);
  if (!run) co_return print(fmt::format("use {} created (inactive)", key));
  const auto outcome = use_outcome(e, client_.config().heartbeat.count());
  // "created and opened: listening on ...", or "created; port N is busy, ..."
  print(fmt::format("use {} created{} {}", key, e.state == use_state::listening ? " and opened:" : ";", outcome));
}

net::awaitable<void> terminal::unserve(const parsed_args& a) {
  const char* usage = command(command_id::unserve).usage;
  if (auto k = unknown_key(a, {"vnetid", "ip", "port", "type", "local_ip", "local_port"}); k || !a.words.empty()) {
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
  // Only from the line: tcp unless it says udp (no question, as before UDP).
  auto type = config::rules::serve_type::parse(a.values.contains("type") ? a.values.at("type") : "tcp");
  if (!type) {
    error(fmt::format("type = \"{}\": {}", a.values.at("type"), type.why()), usage);
    co_return;
  }
  const bool udp = *type == "udp";

  print(fmt::format("asking vnet {:02} for {}{} ...", vnetid, net::host_port(*ip, port), udp ? "/udp" : ""));
  // A tcp request leaves the type out: the message an older vnet sends.
  protocol::message m = protocol::unserve_request{0, vnetid, *ip, port, udp ? "udp" : ""};
  reply r = co_await request(std::move(m), std::chrono::seconds(15));
  const auto* res = r ? std::get_if<protocol::unserve_result>(&*r) : nullptr;
  if (!res) {
    // Timed out: the route passed it on, the vnet never answered.
    if (!r && r.error().kind == no_answer_kind::timed_out)
      r = no_answer{no_answer_kind::timed_out, fmt::format("no answer from vnet {:02}", vnetid)};
    co_return failed(r);
  }
  if (!res->ok) {  // the reason is the other vnet's text
    print(fmt::format("vnet {:02} refused: {}", vnetid, text::printable(res->reason)));
    status_ = 1;
    co_return;
  }
  auto serveid = res->serveid;
  print(fmt::format("vnet {:02} accepted: serveid {:03}", vnetid, serveid));

  config::use_config cfg;
  cfg.key = fmt::format("unserve-{:03}", serveid);
  cfg.serveid = serveid;
  // Where to map it: asked unless the line says something about the local side.
  const bool ask_local = !a.values.contains("local_ip") && !a.values.contains("local_port");
  std::optional<std::string> local_ip = co_await field(a, "local_ip", "ip", "127.0.0.1", ask_local);
  if (!local_ip || !checked(check_ip_literal("ip", *local_ip), usage)) co_return;
  const std::string remote_port = std::to_string(port);
  std::optional<std::string> local_port = co_await field(a, "local_port", "port", remote_port, ask_local);
  if (!local_port || !checked(check_port("port", *local_port, cfg.port), usage)) co_return;
  cfg.ip = *local_ip;
  auto& uses = client_.uses();
  if (auto* old = uses.find_key(cfg.key)) uses.remove(old->id);
  uses.add(cfg, true);
  print(fmt::format("use {} created: {} -> serveid {:03}", cfg.key, net::host_port(cfg.ip, cfg.port), serveid));
}

}  // namespace vnet
