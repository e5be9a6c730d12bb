#include "vnet/metrics.hpp"

#include "metrics/exposition.hpp"
#include "net/secure/link_waits.hpp"

namespace vnet {
namespace {

// One family of each kind for serves and uses: vnet_serve_* / vnet_use_*,
// labelled by the entry's key ([serve.KEY], [use.KEY]).
template <typename Entries>
void traffic(metrics::writer& w, const char* kind, const Entries& entries) {
  const std::string p = std::string("vnet_") + kind;
  w.family(p + "_links", std::string("Links carried now, per ") + kind + ".", "gauge");
  for (const auto& e : entries) w.sample(p + "_links", {{"key", e.cfg.key}}, std::uint64_t{e.links->links()});
  w.family(p + "_links_total", std::string("Links carried since start, per ") + kind + ".", "counter");
  for (const auto& e : entries) w.sample(p + "_links_total", {{"key", e.cfg.key}}, e.links->traffic.links);
  w.family(p + "_bytes_total",
           std::string("Bytes carried, per ") + kind + "; in: from the route, out: to it.", "counter");
  for (const auto& e : entries) {
    w.sample(p + "_bytes_total", {{"key", e.cfg.key}, {"direction", "in"}}, e.links->traffic.bytes_in);
    w.sample(p + "_bytes_total", {{"key", e.cfg.key}, {"direction", "out"}}, e.links->traffic.bytes_out);
  }
  w.family(p + "_datagrams_total",
           std::string("UDP datagrams carried, per ") + kind + "; in: from the route, out: to it.", "counter");
  for (const auto& e : entries) {
    w.sample(p + "_datagrams_total", {{"key", e.cfg.key}, {"direction", "in"}}, e.links->traffic.datagrams_in);
    w.sample(p + "_datagrams_total", {{"key", e.cfg.key}, {"direction", "out"}}, e.links->traffic.datagrams_out);
  }
}

}  // namespace

std::string metrics_text(const client& c) {
  metrics::writer w;
  w.family("vnet_connected", "1 while the vnet has a session with the route.", "gauge");
  w.sample("vnet_connected", {}, std::uint64_t{c.vnetid().has_value()});
  traffic(w, "serve", c.serves().entries());
  traffic(w, "use", c.uses().entries());
  // Back-pressure: a write wait is a link whose peer (the service, the
  // client or the route) did not take all it was given.
  const auto waits = net::secure::link_waits();
  w.family("vnet_link_waits_total",
           "Times a link waited, all links: for=read (its source had nothing), for=write (its peer was full).",
           "counter");
  w.sample("vnet_link_waits_total", {{"for", "read"}}, waits.for_read);
  w.sample("vnet_link_waits_total", {{"for", "write"}}, waits.for_write);
  return w.text();
}

http::handler metrics_handler(const client& c) {
  return [&c](std::string_view path) -> std::optional<http::response> {
    if (path != "/metrics") return std::nullopt;
    return http::response{200, metrics::content_type, metrics_text(c), {}};
  };
}

}  // namespace vnet
