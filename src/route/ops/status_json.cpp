// GET /status.json: what the status page shows, bounded. Each list holds at
// most max_status_rows rows (its *_total says how many there are), the rate
// history is the route's at full resolution and each group's averaged to a
// minute, and the admission lists are short by construction: whatever the
// peers do, the answer stays under a few hundred KiB.
#include <fmt/format.h>

#include "net/endpoint.hpp"
#include "route/ops/status.hpp"
#include "route/ops/traffic_now.hpp"
#include "route/serve_shown.hpp"

namespace route {
namespace {

// A JSON string. <, > and & as \u escapes too: the text stays inert even if
// something ever put it into HTML.
std::string json(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f) out += fmt::format("\\u{:04x}", c);
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Rates as JSON arrays, averaged over `per` points (1: as recorded).
std::string series(const std::deque<rates>& points, std::size_t per) {
  std::string up, down, opened, failed;
  const char* sep = "";
  for (std::size_t i = 0; i < points.size(); i += per) {
    rates sum;
    const std::size_t n = std::min(per, points.size() - i);
    for (std::size_t k = i; k < i + n; ++k) {
      sum.bytes_up += points[k].bytes_up;
      sum.bytes_down += points[k].bytes_down;
      sum.links_opened += points[k].links_opened;
      sum.links_failed += points[k].links_failed;
    }
    const auto d = static_cast<float>(n);
    up += fmt::format("{}{:.0f}", sep, sum.bytes_up / d);
    down += fmt::format("{}{:.0f}", sep, sum.bytes_down / d);
    opened += fmt::format("{}{:.3g}", sep, sum.links_opened / d);
    failed += fmt::format("{}{:.3g}", sep, sum.links_failed / d);
    sep = ",";
  }
  return fmt::format("{{\"up\":[{}],\"down\":[{}],\"opened\":[{}],\"failed\":[{}]}}", up, down, opened, failed);
}

// Appends `row` to a list that holds at most max_status_rows.
struct capped_list {
  std::string text;
  std::size_t total = 0;
  void add(const std::string& row) {
    if (total++ >= max_status_rows) return;
    if (!text.empty()) text += ',';
    text += row;
  }
  std::string json(const char* name) const {
    return fmt::format("\"{0}\":[{1}],\"{0}_total\":{2}", name, text, total);
  }
};

std::string admission_json(const state_view& route) {
  std::string out = "{\"refusals\":[";
  const char* sep = "";
  for (auto it = route.counters.recent_refusals.rbegin(); it != route.counters.recent_refusals.rend(); ++it) {
    out += fmt::format("{}{{\"when\":{},\"address\":{},\"name\":{}}}", sep, unix_seconds(it->when),
                       json(it->address), json(it->name));
    sep = ",";
  }
  out += "],\"watched\":[";
  sep = "";
  const auto now = admission_book::clock::now();
  const auto wall = std::chrono::system_clock::now();
  for (const auto& w : route.admission.watched(now, max_status_rows)) {
    std::string until = "null";
    if (w.banned_until)
      until = std::to_string(unix_seconds(wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                     *w.banned_until - now)));
    out += fmt::format("{}{{\"address\":{},\"failures\":{},\"banned_until\":{}}}", sep, json(w.address),
                       w.failures, until);
    sep = ",";
  }
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  return out + fmt::format("],\"max_failures\":{},\"max_prefix_failures\":{},\"window_seconds\":{},"
                           "\"ban_seconds\":{}}}",
                           admission_book::max_failures, admission_book::max_prefix_failures,
                           duration_cast<seconds>(admission_book::window).count(),
                           duration_cast<seconds>(admission_book::ban).count());
}

}  // namespace

std::string status_json(const state_view& route) {
  const auto& st = route.counters;
  const auto live = route.links.active_links();
  const auto bytes = traffic(st, live);
  const auto now = std::chrono::steady_clock::now();
  std::string out =
      fmt::format("{{\"version\":{},\"uptime_seconds\":{:.0f},\"now\":{},\"max_rows\":{},", json(VNET_VERSION),
                  std::chrono::duration<double>(now - st.started).count(),
                  unix_seconds(std::chrono::system_clock::now()), max_status_rows);
  capped_list vnets;
  for (const auto& [id, v] : route.vnets.vnets()) {
    const auto* s = route.sessions.find(id);
    vnets.add(fmt::format("{{\"vnetid\":{},\"name\":{},\"group\":{},\"address\":{},\"serves\":{},\"links\":{},"
                          "\"since\":{}}}",
                          id, json(v.name), json(v.group), json(s ? s->remote() : ""), v.serves,
                          route.links.live_links(id), unix_seconds(v.since)));
  }
  capped_list groups, serves;
  std::string charts;
  for (const auto& [g, members] : route.vnets.groups()) {
    auto gb = bytes.groups.find({g});
    auto ga = bytes.group_activity.find(g);
    const activity a = ga == bytes.group_activity.end() ? activity{} : ga->second;
    auto list = route.vnets.serves_of_group(g);
    groups.add(fmt::format("{{\"name\":{},\"vnets\":{},\"serves\":{},\"bytes\":{},\"up\":{},\"down\":{},"
                           "\"opened\":{},\"failed\":{}}}",
                           json(g), members.size(), list.size(), gb == bytes.groups.end() ? 0 : gb->second,
                           a.bytes_up, a.bytes_down, a.links_opened, a.links_failed));
    const auto* h = route.rates.group_rates(g);
    if (h && groups.total <= max_status_rows)  // a minute a point: an hour is 60
      charts += fmt::format("{}{}:{}", charts.empty() ? "" : ",", json(g),
                            series(*h, static_cast<std::size_t>(std::chrono::minutes(1) / route.rates.step())));
    for (const auto& e : list) {
      const auto* v = route.vnets.find_vnet(e.vnetid);
      auto sb = bytes.serves.find({g, std::to_string(e.serve.serveid)});
      serves.add(fmt::format(
          "{{\"group\":{},\"serveid\":{},\"sealed\":{},\"name\":{},\"type\":{},\"vnetid\":{},\"vnet\":{},\"address\":{},"
          "\"bytes\":{}}}",
          json(g), e.serve.serveid, is_sealed(e.serve), json(e.serve.name), json(e.serve.type), e.vnetid, json(v ? v->name : ""),
          json(is_sealed(e.serve) ? "" : net::host_port(e.serve.ip, e.serve.port)),
          sb == bytes.serves.end() ? 0 : sb->second));
    }
  }
  capped_list links;
  auto name = [&route](std::uint32_t id) {
    const auto* v = route.vnets.find_vnet(id);
    return json(v ? v->name : "");
  };
  for (const auto& l : live) {
    const auto* v = route.vnets.find_vnet(l.use_vnet);
    links.add(fmt::format("{{\"id\":{},\"group\":{},\"use_vnet\":{},\"use_name\":{},\"serve_vnet\":{},"
                          "\"serve_name\":{},\"serveid\":{},\"age_seconds\":{:.0f},\"up\":{},\"down\":{}}}",
                          l.id, json(v ? v->group : ""), l.use_vnet, name(l.use_vnet), l.serve_vnet,
                          name(l.serve_vnet), l.serveid, std::chrono::duration<double>(now - l.since).count(),
                          l.traffic.a_to_b, l.traffic.b_to_a));
  }
  out += vnets.json("vnets") + "," + groups.json("groups") + "," + serves.json("serves") + "," +
         links.json("links");
  out += fmt::format(",\"history\":{{\"step_seconds\":{},\"route\":{},\"group_step_seconds\":60,\"groups\":{{{}}}}}",
                     std::chrono::duration_cast<std::chrono::seconds>(route.rates.step()).count(),
                     series(route.rates.route_rates(), 1), charts);
  out += ",\"admission\":" + admission_json(route);
  out += fmt::format(",\"totals\":{{\"links_active\":{},\"links_opened\":{},\"links_failed\":{},"
                     "\"bytes_relayed\":{},\"bytes_up\":{},\"bytes_down\":{},\"auth_failures\":{}}}}}",
                     live.size(), st.links_opened_total(), st.links_failed_total(), bytes.relayed,
                     bytes.route.bytes_up, bytes.route.bytes_down, st.auth_failures);
  return out;
}

}  // namespace route
