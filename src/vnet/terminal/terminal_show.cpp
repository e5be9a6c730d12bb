// show serve|use|vnet (local state) and show serves|vnets (asked from the route).
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "text/bytes.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"
#include "text/table.hpp"
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
// links now, links total, bytes in (from the route) and out (to it).
std::vector<std::string> traffic(const net::socket_set& links) {
  return {std::to_string(links.links()), std::to_string(links.traffic.links),
          text::human_bytes(links.traffic.bytes_in), text::human_bytes(links.traffic.bytes_out)};
}
void append(std::vector<std::string>& row, std::vector<std::string> more) {
  row.insert(row.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}
using text::plural;

}  // namespace

net::awaitable<void> terminal::show(const parsed_args& a) {
  const char* usage = command(command_id::show).usage;
  if (a.words.size() != 1 || !a.values.empty()) {
    error(a.words.empty() ? "show what?" : "show takes one argument", usage);
    co_return;
  }
  const auto& what = a.words.front();
  const auto id = word_id<show_what>(what, command(command_id::show).words);
  if (!id) co_return error(fmt::format("cannot show '{}'", what), usage);
  switch (*id) {
    case show_what::serve: show_serve(); break;
    case show_what::use: show_use(); break;
    case show_what::vnet: show_vnet(); break;
    case show_what::serves: co_await show_serves(); break;
    case show_what::vnets: co_await show_vnets(); break;
  }
}

void terminal::show_serve() {
  const auto& entries = client_.serves().entries();
  if (entries.empty()) return print("no serves");
  std::vector<std::vector<std::string>> rows{
      {"serveid", "key", "name", "ip:port", "active", "state", "links", "total", "in", "out"}};
  for (const auto& e : entries) {
    std::string state = to_string(e.state);
    if (e.state == serve_state::refused) state += ": " + peer(e.reason);  // the route's words
    bool registered = e.state == serve_state::registered;
    rows.push_back({id3(registered ? e.serveid : 0), e.cfg.key, e.cfg.name, net::host_port(e.cfg.ip, e.cfg.port),
                    yes_no(e.cfg.active), state});
    append(rows.back(), traffic(*e.links));
  }
  print(text::render_table(rows));
}

void terminal::show_use() {
  const auto& entries = client_.uses().entries();
  if (entries.empty()) return print("no uses");
  std::vector<std::vector<std::string>> rows{
      {"serveid", "key", "listen", "active", "state", "links", "total", "in", "out"}};
  for (const auto& e : entries) {
    std::uint16_t port = e.cfg.port;
    if (e.state == use_state::listening || e.state == use_state::port_busy) port = e.listen_port;
    if (!port)
      for (const auto& s : client_.group_serves().serves)
        if (s.serve.serveid == e.cfg.serveid) port = s.serve.port;
    auto listen = net::host_port(e.cfg.ip, port);
    if (!port) listen.replace(listen.size() - 1, 1, "auto");  // "IP:0" -> "IP:auto"
    std::string state = to_string(e.state);
    if ((e.state == use_state::port_busy || e.state == use_state::standby) && !e.reason.empty())
      state += ": " + text::printable(e.reason);  // why it does not listen
    rows.push_back({id3(e.cfg.serveid), e.cfg.key, listen, yes_no(e.cfg.active), state});
    append(rows.back(), traffic(*e.links));
  }
  print(text::render_table(rows));
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
  const auto* res = r.msg ? std::get_if<protocol::serve_query_result>(&*r.msg) : nullptr;
  if (!res) co_return failed(r);
  std::vector<std::vector<std::string>> rows{{"serveid", "vnetid", "vnet", "name", "type", "ip:port", "info"}};
  for (const auto& s : res->list.serves)
    rows.push_back({id3(s.serve.serveid), fmt::format("{:02}", s.vnetid), peer(s.vnet_name), peer(s.serve.name),
                    peer(s.serve.type), peer(net::host_port(s.serve.ip, s.serve.port)), peer(s.serve.info)});
  print(text::render_table(rows));
  print(fmt::format("- {}, {} -", plural(res->list.vnets, "vnet"), plural(res->list.serves.size(), "serve")));
}

net::awaitable<void> terminal::show_vnets() {
  protocol::message m = protocol::vnet_query{0};
  reply r = co_await request(std::move(m), query_timeout);
  const auto* res = r.msg ? std::get_if<protocol::vnet_query_result>(&*r.msg) : nullptr;
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
