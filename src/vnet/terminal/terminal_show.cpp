// show serve|use|vnet (local state) and show serves|vnets (asked from the route).
// Tables fit an 80-column terminal: a row's reason (why a serve was refused,
// why a use does not listen) goes on lines of its own under it, and a
// serve's or use's traffic in its detail view (show serve KEY, show use KEY).
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "text/bytes.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"
#include "text/table.hpp"
#include "text/wrap.hpp"
#include "vnet/terminal/terminal.hpp"
#include "vnet/terminal/terminal_usage.hpp"

namespace vnet {
namespace {

const auto query_timeout = std::chrono::seconds(10);

std::string id3(std::uint16_t id) { return id ? fmt::format("{:03}", id) : "---"; }
const char* yes_no(bool b) { return b ? "yes" : "no"; }
// Names and info from other vnets are data: escaped so a peer cannot move
// the cursor, forge a line or clear the screen.
std::string peer(std::string_view s) { return text::printable(s); }
using text::plural;

constexpr std::size_t screen_width = 80;
// A row's reason under it: "  why: " then the text, wrapped to the screen.
constexpr const char* why_label = "  why: ";
constexpr const char* why_indent = "       ";
std::vector<std::string> why_lines(const std::string& reason) {
  auto lines = text::wrap(reason, screen_width, why_indent);
  if (!lines.empty()) lines.front().replace(0, std::string_view(why_indent).size(), why_label);
  return lines;
}
// The rendered table with each row's note lines (notes[i]: under row i,
// the header being row 0) after it.
std::string with_notes(const std::string& table, const std::vector<std::vector<std::string>>& notes) {
  std::string out;
  std::size_t row = 0, at = 0;
  while (at <= table.size()) {
    auto end = table.find('\n', at);
    if (end == std::string::npos) end = table.size();
    if (!out.empty()) out += '\n';
    out.append(table, at, end - at);
    if (row < notes.size())
      for (const auto& l : notes[row]) out += '\n' + l;
    ++row;
    at = end + 1;
  }
  return out;
}
// The detail view: "field  value" rows, a long value wrapped under itself.
std::string details(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t w = 0;
  for (const auto& f : fields) w = std::max(w, f.first.size());
  std::string out;
  for (const auto& [name, value] : fields) {
    const std::string indent(w + 2, ' ');
    auto lines = text::wrap(value, screen_width, indent);
    if (lines.empty()) lines.push_back(indent + "-");
    lines.front().replace(0, name.size(), name);
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  }
  return out;
}
// links now and in total, bytes in (from the route) and out (to it).
void add_traffic(std::vector<std::pair<std::string, std::string>>& fields, const net::socket_set& links) {
  fields.emplace_back("links", fmt::format("{} now, {} in total", links.links(), links.traffic.links));
  fields.emplace_back("in", text::human_bytes(links.traffic.bytes_in) + " (from the route)");
  fields.emplace_back("out", text::human_bytes(links.traffic.bytes_out) + " (to the route)");
  if (links.traffic.datagrams_in || links.traffic.datagrams_out)
    fields.emplace_back("datagrams", fmt::format("{} in, {} out", links.traffic.datagrams_in, links.traffic.datagrams_out));
}

}  // namespace

net::awaitable<void> terminal::show(const parsed_args& a) {
  const char* usage = command(command_id::show).usage;
  if (a.words.empty() || a.words.size() > 2 || !a.values.empty()) {
    error(a.words.empty() ? "show what?" : "show takes one argument (serve and use: and a key)", usage);
    co_return;
  }
  const auto& what = a.words.front();
  const auto id = word_id<show_what>(what, command(command_id::show).words);
  if (!id) co_return error(fmt::format("cannot show '{}'", what), usage);
  if (a.words.size() == 2 && *id != show_what::serve && *id != show_what::use)
    co_return error(fmt::format("show {} takes no key", what), usage);
  switch (*id) {
    case show_what::serve: a.words.size() == 2 ? show_serve(a.words[1]) : show_serve(); break;
    case show_what::use: a.words.size() == 2 ? show_use(a.words[1]) : show_use(); break;
    case show_what::vnet: show_vnet(); break;
    case show_what::serves: co_await show_serves(); break;
    case show_what::vnets: co_await show_vnets(); break;
  }
}

namespace {

// A serve's service: "127.0.0.1:53/udp" for UDP, "127.0.0.1:22" for TCP.
std::string address_of(const config::serve_config& c) {
  auto a = net::host_port(c.ip, c.port);
  return c.type == "udp" ? a + "/udp" : a;
}

}  // namespace

void terminal::show_serve() {
  const auto& entries = client_.serves().entries();
  if (entries.empty()) return print("no serves");
  std::vector<std::vector<std::string>> rows{{"serveid", "key", "name", "ip:port", "active", "state", "links"}};
  std::vector<std::vector<std::string>> notes(1);
  for (const auto& e : entries) {
    bool registered = e.state == serve_state::registered;
    rows.push_back({id3(registered ? e.serveid : 0), e.cfg.key, e.cfg.name, address_of(e.cfg),
                    yes_no(e.cfg.active), to_string(e.state), std::to_string(e.links->links())});
    // The route's words.
    notes.push_back(e.state == serve_state::refused ? why_lines(peer(e.reason)) : std::vector<std::string>{});
  }
  // A long name is cut (whole in show serve KEY); the key never is: it is
  // how a serve is named in commands.
  text::fit_column(rows, 2, screen_width, 5);
  print(with_notes(text::render_table(rows), notes));
}

void terminal::show_serve(const std::string& key) {
  for (const auto& e : client_.serves().entries()) {
    if (e.cfg.key != key) continue;
    bool registered = e.state == serve_state::registered;
    std::vector<std::pair<std::string, std::string>> fields{
        {"key", e.cfg.key},
        {"serveid", registered ? id3(e.serveid) : fmt::format("--- (asks for {})", id3(e.cfg.serveid))},
        {"name", e.cfg.name},
        {"ip:port", address_of(e.cfg)},
        {"active", yes_no(e.cfg.active)},
        {"state", to_string(e.state)},
    };
    if (e.state == serve_state::refused) fields.emplace_back("why", peer(e.reason));
    add_traffic(fields, *e.links);
    return print(details(fields));
  }
  error(fmt::format("no serve '{}' (show serve lists them)", text::printable(key)));
}

void terminal::show_use() {
  const auto& entries = client_.uses().entries();
  if (entries.empty()) return print("no uses");
  std::vector<std::vector<std::string>> rows{{"serveid", "key", "listen", "active", "state", "links"}};
  std::vector<std::vector<std::string>> notes(1);
  for (const auto& e : entries) {
    rows.push_back({id3(e.cfg.serveid), e.cfg.key, listen_of(e), yes_no(e.cfg.active), to_string(e.state),
                    std::to_string(e.links->links())});
    notes.push_back(why_lines(use_reason(e)));
  }
  print(with_notes(text::render_table(rows), notes));
}

void terminal::show_use(const std::string& key) {
  for (const auto& e : client_.uses().entries()) {
    if (e.cfg.key != key) continue;
    std::vector<std::pair<std::string, std::string>> fields{
        {"key", e.cfg.key},         {"serveid", id3(e.cfg.serveid)},    {"listen", listen_of(e)},
        {"active", yes_no(e.cfg.active)}, {"state", to_string(e.state)},
    };
    if (auto why = use_reason(e); !why.empty()) fields.emplace_back("why", why);
    add_traffic(fields, *e.links);
    return print(details(fields));
  }
  error(fmt::format("no use '{}' (show use lists them)", text::printable(key)));
}

// Where the use listens, or would: "IP:auto" until the serve's port is known.
std::string terminal::listen_of(const use_entry& e) const {
  std::uint16_t port = e.cfg.port;
  if (e.state == use_state::listening || e.state == use_state::port_busy) port = e.listen_port;
  if (!port)
    for (const auto& s : client_.group_serves().serves)
      if (s.serve.serveid == e.cfg.serveid) port = s.serve.port;
  auto listen = net::host_port(e.cfg.ip, port);
  if (!port) listen.replace(listen.size() - 1, 1, "auto");  // "IP:0" -> "IP:auto"
  // UDP says so ("127.0.0.1:5353/udp"); TCP, the usual, says nothing.
  const std::string& type = e.state == use_state::listening ? e.type : e.cfg.type;
  if (type == "udp") listen += "/udp";
  return listen;
}

// Why it does not listen (busy port, serve not offered), when known.
std::string terminal::use_reason(const use_entry& e) {
  if (e.state == use_state::port_busy || e.state == use_state::standby) return text::printable(e.reason);
  return {};
}

void terminal::show_vnet() {
  const auto& cfg = client_.config();
  auto id = client_.vnetid();
  std::size_t registered = 0, listening = 0;
  for (const auto& e : client_.serves().entries()) registered += e.state == serve_state::registered;
  for (const auto& e : client_.uses().entries()) listening += e.state == use_state::listening;
  std::vector<std::vector<std::string>> rows{
      {"vnetid", id ? fmt::format("{:02}", *id) : "-"},
      {"name", cfg.name},
      {"group", cfg.group},
      {"route", net::host_port(cfg.route.ip, cfg.route.port) + (id ? " (connected)" : " (not connected)")},
      {"config", client_.config_path().empty() ? "none (started with --route)" : client_.config_path()},
      {"unserve", fmt::format("allow_unserve={} unserve_remote={} unserve_num={}, {} alive", cfg.allow_unserve,
                              cfg.unserve_remote, cfg.unserve_num, client_.unserves_alive())},
      {"serves", fmt::format("{} ({} registered)", client_.serves().entries().size(), registered)},
      {"uses", fmt::format("{} ({} listening)", client_.uses().entries().size(), listening)},
  };
  print(text::render_table(rows));
}

net::awaitable<void> terminal::show_serves() {
  protocol::message m = protocol::serve_query{0};
  reply r = co_await request(std::move(m), query_timeout);
  const auto* res = r ? std::get_if<protocol::serve_query_result>(&*r) : nullptr;
  if (!res) co_return failed(r);
  std::vector<std::vector<std::string>> rows{{"serveid", "vnetid", "vnet", "name", "type", "ip:port", "info"}};
  for (const auto& s : res->list.serves)
    rows.push_back({id3(s.serve.serveid), fmt::format("{:02}", s.vnetid), peer(s.vnet_name), peer(s.serve.name),
                    peer(s.serve.type), peer(net::host_port(s.serve.ip, s.serve.port)), peer(s.serve.info)});
  // Whole, even past 80 columns: another vnet's info is shown byte for
  // byte (its only view; this vnet's own serves have show serve KEY).
  print(text::render_table(rows));
  print(fmt::format("- {}, {} -", plural(res->list.vnets, "vnet"), plural(res->list.serves.size(), "serve")));
}

net::awaitable<void> terminal::show_vnets() {
  protocol::message m = protocol::vnet_query{0};
  reply r = co_await request(std::move(m), query_timeout);
  const auto* res = r ? std::get_if<protocol::vnet_query_result>(&*r) : nullptr;
  if (!res) co_return failed(r);
  auto self = client_.vnetid();
  std::vector<std::vector<std::string>> rows{{"vnetid", "name", "links"}};
  for (const auto& v : res->vnets)  // this vnet's row ends with "  *"
    rows.push_back({fmt::format("{:02}", v.vnetid), peer(v.name),
                    std::to_string(v.links) + (self && *self == v.vnetid ? "  *" : "")});
  print(text::render_table(rows));
  print(fmt::format("- {} -", plural(res->vnets.size(), "vnet")));
}

}  // namespace vnet
