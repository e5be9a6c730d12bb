#include "route/server.hpp"

#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "route/ops/ctl.hpp"
#include "route/reload.hpp"
#include "route/ops/status.hpp"

namespace route {
namespace {

void warn_if_open(const config::route_config& cfg) {
  if (cfg.token.empty())
    spdlog::warn("no token: anyone who reaches this route can join (set [route] token=; route --gen-token makes one)");
}

}  // namespace

server::server(net::asio::any_io_executor ex, config::route_config cfg, std::size_t max_group_vnets)
    : cfg_(std::move(cfg)),
      tls_(load_tls_identity(cfg_)),
      registry_(max_group_vnets),
      links_(ex, cfg_, registry_, sessions_, connections_, stats_, peer_log_),
      hub_(ex, cfg_, registry_, sessions_, links_, stats_, peer_log_),
      front_(ex, cfg_, tls_, hub_, links_, connections_, stats_, peer_log_) {}

net::awaitable<void> server::run() {
  spdlog::info("route listening on {}", net::to_string(local_endpoint()));
  spdlog::info("TLS key fingerprint {} ({})", tls_.fingerprint, tls_.source);
  warn_if_open(cfg_);
  co_await front_.run();
}

void server::stop() {
  front_.stop();
  hub_.stop();
  links_.stop();
  connections_.close_all();
}

net::ctl::ctl_answer server::ctl(const std::string& line) const { return ctl_answer(view(), line); }
std::string server::metrics_text() const { return route::metrics_text(view()); }
std::string server::status_json() const { return route::status_json(view()); }

void server::reload_file(const std::string& path) {
  spdlog::info("SIGHUP: reloading {}", path);
  try {
    auto next = config::load_route_config(path);
    for (const auto& w : next.warnings) spdlog::warn("{}", w);
    spdlog::info("reload: {}", reload(std::move(next)));
  } catch (const config::error& e) {
    spdlog::error("reload failed, nothing changed: {}", e.what());
  }
}

std::string server::reload(config::route_config next) {
  auto plan = plan_reload(cfg_, next);
  // Port 0 (tests: the OS picks) is the same address as the port it picked.
  if (cfg_.listen.port == 0 && next.listen.ip == cfg_.listen.ip &&
      next.listen.port == local_endpoint().port())
    plan.listen_changed = false;
  if (plan.listen_changed)
    spdlog::warn("reload: [route] ip/port {} needs a restart; still listening on {}",
                 net::host_port(next.listen.ip, next.listen.port), net::to_string(local_endpoint()));
  if (next.tls_cert != cfg_.tls_cert || next.tls_key != cfg_.tls_key)
    spdlog::warn("reload: [route] tls_cert/tls_key need a restart; the TLS key stays {}", tls_.fingerprint);
  if (!cfg_.token.empty()) warn_if_open(next);
  cfg_ = std::move(plan.apply);
  // Deadlines and the heartbeat are read from cfg_ when a connection, link or
  // welcome needs them; only live sessions hold a timeout of their own.
  hub_.set_timeouts();
  return plan.summary();
}

}  // namespace route
