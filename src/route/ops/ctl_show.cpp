// `vnet-route ctl show WHAT`: the route's state as tables like the vnet
// terminal's, the same reach as the status page (status_json.cpp).
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "route/ops/ctl.hpp"
#include "route/ops/traffic_now.hpp"
#include "route/serve_shown.hpp"
#include "text/bytes.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"
#include "text/table.hpp"

namespace route {
namespace {

using rows_t = std::vector<std::vector<std::string>>;
using text::plural;

// Names and groups come from the vnets: data, escaped.
std::string peer(std::string_view s) { return text::printable(s); }

std::string age(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
  return fmt::format("{} d {} h", s / 86400, s % 86400 / 3600);
}

std::string when(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(std::chrono::system_clock::to_time_t(t)));
}

std::string table(const rows_t& rows, const std::string& footer) {
  return text::render_table(rows) + "\n" + footer + "\n";
}

std::string vnets(const state_view& route) {
  rows_t rows{{"vnetid", "name", "group", "address", "serves", "links", "connected since"}};
  for (const auto& [id, v] : route.vnets.vnets()) {
    const auto* s = route.sessions.find(id);
    rows.push_back({fmt::format("{:02}", id), peer(v.name), peer(v.group), s ? s->remote() : "-",
                    std::to_string(v.serves), std::to_string(route.links.live_links(id)), when(v.since)});
  }
  return table(rows, fmt::format("- {} -", plural(route.vnets.vnets().size(), "vnet")));
}

std::string groups(const state_view& route, const std::vector<link_table::link_view>& links) {
  const auto bytes = traffic(route.counters, links);
  rows_t rows{{"group", "vnets", "serves", "links", "relayed"}};
  for (const auto& [group, members] : route.vnets.groups()) {
    std::size_t in_group = 0;  // a link belongs to the group of its vnets
    for (const auto& l : links) in_group += members.contains(l.use_vnet);
    auto b = bytes.groups.find({group});
    rows.push_back({peer(group), std::to_string(members.size()),
                    std::to_string(route.vnets.serves_of_group(group).size()), std::to_string(in_group),
                    text::human_bytes(b == bytes.groups.end() ? 0 : b->second)});
  }
  return table(rows, fmt::format("- {} -", plural(route.vnets.groups().size(), "group")));
}

std::string serves(const state_view& route, const std::vector<link_table::link_view>& links) {
  const auto bytes = traffic(route.counters, links);
  rows_t rows{{"group", "serveid", "name", "type", "vnet", "address", "relayed"}};
  for (const auto& [group, members] : route.vnets.groups())
    for (const auto& e : route.vnets.serves_of_group(group)) {
      const auto* v = route.vnets.find_vnet(e.vnetid);
      auto b = bytes.serves.find({group, std::to_string(e.serve.serveid)});
      const bool sealed = is_sealed(e.serve);  // a keyed group's: the route cannot read it
      rows.push_back({peer(group), fmt::format("{:03}", e.serve.serveid), sealed ? "(sealed)" : peer(e.serve.name),
                      peer(e.serve.type),  // beside a sealed blob too: the route carries either type alike
                      fmt::format("{:02} {}", e.vnetid, v ? peer(v->name) : "?"),
                      sealed ? "(sealed)" : peer(net::host_port(e.serve.ip, e.serve.port)),
                      text::human_bytes(b == bytes.serves.end() ? 0 : b->second)});
    }
  return table(rows, fmt::format("- {} -", plural(rows.size() - 1, "serve")));
}

std::string links_table(const state_view& route, const std::vector<link_table::link_view>& links) {
  rows_t rows{{"link", "group", "use vnet", "serve vnet:serveid", "age", "up", "down"}};
  auto name = [&route](std::uint32_t id) {
    const auto* v = route.vnets.find_vnet(id);
    return fmt::format("{:02} {}", id, v ? peer(v->name) : "?");
  };
  const auto now = std::chrono::steady_clock::now();
  for (const auto& l : links) {
    const auto* v = route.vnets.find_vnet(l.use_vnet);
    rows.push_back({std::to_string(l.id), v ? peer(v->group) : "?", name(l.use_vnet),
                    fmt::format("{}:{:03}", name(l.serve_vnet), l.serveid), age(now - l.since),
                    text::human_bytes(l.traffic.a_to_b), text::human_bytes(l.traffic.b_to_a)});
  }
  const auto idle_use = route.idle.total(protocol::pool_role::use);
  const auto idle_serve = route.idle.total(protocol::pool_role::serve);
  return table(rows, fmt::format("- {} live, {} waiting for the serving vnet, {} idle pooled ({} use, {} serve) -",
                                 plural(links.size(), "link"), route.links.pending_count(), idle_use + idle_serve,
                                 idle_use, idle_serve));
}

// The mean of the newest `n` points (all there are, if fewer).
rates mean_of_last(const std::deque<rates>& points, std::size_t n) {
  rates sum;
  n = std::min(n, points.size());
  for (auto it = points.end() - static_cast<std::ptrdiff_t>(n); it != points.end(); ++it) {
    sum.bytes_up += it->bytes_up;
    sum.bytes_down += it->bytes_down;
    sum.links_opened += it->links_opened;
    sum.links_failed += it->links_failed;
  }
  if (n) {
    const auto d = static_cast<float>(n);
    sum = {sum.bytes_up / d, sum.bytes_down / d, sum.links_opened / d, sum.links_failed / d};
  }
  return sum;
}

std::string rates_table(const state_view& route) {
  const auto step = route.rates.step();
  const auto steps = [&step](std::chrono::seconds window) {
    return static_cast<std::size_t>(std::max<std::int64_t>(1, window / step));
  };
  const auto step_seconds = std::chrono::duration_cast<std::chrono::seconds>(step).count();
  rows_t rows{{"scope", "over", "up/s", "down/s", "opened/s", "failed/s"}};
  auto add = [&rows](const std::string& of, const std::string& over, const rates& r) {
    rows.push_back({of, over, text::human_bytes(static_cast<std::uint64_t>(r.bytes_up)),
                    text::human_bytes(static_cast<std::uint64_t>(r.bytes_down)), fmt::format("{:.2f}", r.links_opened),
                    fmt::format("{:.2f}", r.links_failed)});
  };
  const auto& all = route.rates.route_rates();
  add("route", fmt::format("{} s", step_seconds), mean_of_last(all, 1));
  add("route", "1 min", mean_of_last(all, steps(std::chrono::minutes(1))));
  add("route", "1 h", mean_of_last(all, steps(std::chrono::hours(1))));
  for (const auto& [group, members] : route.vnets.groups())
    if (const auto* g = route.rates.group_rates(group)) {
      add(peer(group), "1 min", mean_of_last(*g, steps(std::chrono::minutes(1))));
      add(peer(group), "1 h", mean_of_last(*g, steps(std::chrono::hours(1))));
    }
  return table(rows, fmt::format("- averages over the newest points (one every {} s, the last hour kept) -", step_seconds));
}

std::string admission(const state_view& route) {
  const auto& st = route.counters;
  rows_t refusals{{"when", "address", "name given"}};
  for (auto it = st.recent_refusals.rbegin(); it != st.recent_refusals.rend(); ++it)
    refusals.push_back({when(it->when), it->address, peer(it->name)});
  rows_t watched{{"address", "failures", "banned until"}};
  const auto now = admission_book::clock::now();
  const auto wall = std::chrono::system_clock::now();
  for (const auto& w : route.admission.watched(now, 100))
    watched.push_back({w.address, std::to_string(w.failures),
                       w.banned_until ? when(wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                         *w.banned_until - now))
                                      : "-"});
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  return table(refusals, fmt::format("- {} refused since start, the newest {} above -",
                                     plural(st.auth_failures, "admission"), refusals.size() - 1)) +
         "\n" +
         table(watched, fmt::format("- {} within {} s stop an address from opening sessions for {} s "
                                    "(its network at {}) -",
                                    plural(admission_book::max_failures, "failure"),
                                    duration_cast<seconds>(admission_book::window).count(),
                                    duration_cast<seconds>(admission_book::ban).count(),
                                    admission_book::max_prefix_failures));
}

}  // namespace

std::optional<std::string> ctl_show(const state_view& route, const std::string& what) {
  const auto links = route.links.active_links();
  if (what == "vnets") return vnets(route);
  if (what == "groups") return groups(route, links);
  if (what == "serves") return serves(route, links);
  if (what == "links") return links_table(route, links);
  if (what == "rates") return rates_table(route);
  if (what == "admission") return admission(route);
  return std::nullopt;
}

}  // namespace route
