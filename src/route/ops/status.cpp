// What the route tells its operator: /metrics (Prometheus text) and the
// HTTP answers (the status page, /status.json from status_json.cpp). Read
// from the registry, the link table and stats on the io_context thread: a
// scrape copies numbers, it never waits.
#include "route/ops/status.hpp"

#include <fmt/format.h>

#include "crypto/secret.hpp"
#include "metrics/exposition.hpp"
#include "net/endpoint.hpp"
#include "route/ops/status_page.hpp"
#include "route/ops/traffic_now.hpp"

namespace route {
namespace {

double uptime(const stats& st) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - st.started).count();
}

}  // namespace

std::string metrics_text(const state_view& route) {
  const auto& st = route.counters;
  const auto bytes = traffic(st, route.links.active_links());
  metrics::writer w;
  std::size_t serves = 0;
  for (const auto& [id, v] : route.vnets.vnets()) serves += v.serves;
  w.family("vnet_route_uptime_seconds", "Seconds since the route started.", "gauge");
  w.sample("vnet_route_uptime_seconds", {}, uptime(st));
  w.family("vnet_route_vnets", "vnets connected now.", "gauge");
  w.sample("vnet_route_vnets", {}, std::uint64_t{route.vnets.vnets().size()});
  w.family("vnet_route_groups", "Groups with at least one vnet connected.", "gauge");
  w.sample("vnet_route_groups", {}, std::uint64_t{route.vnets.groups().size()});
  w.family("vnet_route_serves", "Serves registered now.", "gauge");
  w.sample("vnet_route_serves", {}, std::uint64_t{serves});
  w.family("vnet_route_links_active", "Links paired and relaying now.", "gauge");
  w.sample("vnet_route_links_active", {}, std::uint64_t{route.links.active_count()});
  w.family("vnet_route_links_pending", "Links waiting for the serving vnet's side.", "gauge");
  w.sample("vnet_route_links_pending", {}, std::uint64_t{route.links.pending_count()});
  w.family("vnet_route_links_opened_total",
           "Links the serving vnet answered ok since start, by how its side was found: an idle "
           "pooled link (pool) or a link_request to the serving vnet (dial).", "counter");
  for (const char* path : {"dial", "pool"}) {
    auto it = st.links_opened.find(path);
    w.sample("vnet_route_links_opened_total", {{"path", path}},
             it == st.links_opened.end() ? std::uint64_t{0} : it->second);
  }
  w.family("vnet_route_idle_links", "Idle pooled links waiting now, by role.", "gauge");
  w.sample("vnet_route_idle_links", {{"role", "serve"}}, std::uint64_t{route.idle.total(protocol::pool_role::serve)});
  w.sample("vnet_route_idle_links", {{"role", "use"}}, std::uint64_t{route.idle.total(protocol::pool_role::use)});
  w.family("vnet_route_links_failed_total", "Links that never opened, by reason.", "counter");
  for (std::size_t r = 0; r < link_failure_count; ++r)
    w.sample("vnet_route_links_failed_total", {{"reason", link_failure_names[r]}}, st.links_failed[r]);
  w.family("vnet_route_relayed_bytes_total", "Bytes relayed, both directions.", "counter");
  w.sample("vnet_route_relayed_bytes_total", {}, bytes.relayed);
  w.family("vnet_route_group_relayed_bytes_total",
           "Bytes relayed by group (at most 500 groups, the rest as \"other\").", "counter");
  for (const auto& [k, n] : bytes.groups) w.sample("vnet_route_group_relayed_bytes_total", {{"group", k[0]}}, n);
  w.family("vnet_route_serve_relayed_bytes_total",
           "Bytes relayed by serve (at most 500, the rest as \"other\").", "counter");
  for (const auto& [k, n] : bytes.serves)
    w.sample("vnet_route_serve_relayed_bytes_total", {{"group", k[0]}, {"serveid", k[1]}}, n);
  w.family("vnet_route_link_setup_seconds", "From a link's open (or bind) to the serving vnet's answer.",
           "histogram");
  w.histogram("vnet_route_link_setup_seconds", {}, st.setup_seconds);
  w.family("vnet_route_auth_failures_total", "Connections refused for a wrong token or proof.", "counter");
  w.sample("vnet_route_auth_failures_total", {}, st.auth_failures);
  w.family("vnet_route_limit_refusals_total", "Requests refused by a [route] max_* limit, by key.", "counter");
  for (std::size_t k = 0; k < limit_count; ++k)
    w.sample("vnet_route_limit_refusals_total", {{"key", limit_keys[k]}}, st.limit_refusals[k]);
  w.family("vnet_route_connections_dropped_total",
           "Connections closed before they became a control session or a link, by reason.", "counter");
  for (std::size_t r = 0; r < connection_drop_count; ++r)
    w.sample("vnet_route_connections_dropped_total", {{"reason", connection_drop_names[r]}},
             st.connections_dropped[r]);
  return w.text();
}

http::handler status_handler(const server& srv) {
  return [&srv](std::string_view path) -> std::optional<http::response> {
    if (path == "/metrics") return http::response{200, metrics::content_type, srv.metrics_text(), {}};
    if (path == "/status.json") return http::response{200, "application/json", srv.status_json(), {}};
    if (path != "/") return std::nullopt;
    // A fresh nonce per page: only the page's own script and style run.
    auto nonce = fmt::format("{:016x}{:016x}", crypto::random_u64(), crypto::random_u64());
    std::string page = status_page;
    for (auto at = page.find("NONCE"); at != std::string::npos; at = page.find("NONCE", at))
      page.replace(at, 5, nonce);
    auto csp = fmt::format("default-src 'none'; script-src 'nonce-{0}'; style-src 'nonce-{0}'; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                           nonce);
    return http::response{200, "text/html; charset=utf-8", std::move(page), std::move(csp)};
  };
}

}  // namespace route
