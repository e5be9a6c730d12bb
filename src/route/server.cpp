#include "route/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/spawn.hpp"
#include "route/ops/ctl.hpp"
#include "route/reload.hpp"
#include "route/ops/status.hpp"
#include "route/ops/traffic_now.hpp"

namespace route {
namespace {

void warn_if_open(const config::route_config& cfg) {
  if (cfg.token.empty())
    spdlog::warn("no token: anyone who reaches this route can join (set [route] token=; route --gen-token makes one)");
}

}  // namespace

server::server(net::asio::any_io_executor ex, config::route_config cfg, std::size_t max_group_vnets,
               ticket_book::clock::duration ticket_lifetime)
    : cfg_(std::move(cfg)),
      tls_(load_tls_identity(cfg_)),
      registry_(max_group_vnets),
      links_(ex, cfg_, registry_, sessions_, connections_, stats_, peer_log_, ticket_lifetime),
      hub_(ex, cfg_, registry_, sessions_, links_, stats_, peer_log_),
      front_(ex, cfg_, tls_, hub_, links_, connections_, stats_, peer_log_),
      sample_timer_(ex) {}

net::awaitable<void> server::run() {
  spdlog::info("route listening on {}", net::to_string(local_endpoint()));
  spdlog::info("TLS key fingerprint {} ({})", tls_.fingerprint, tls_.source);
  warn_if_open(cfg_);
  net::asio::co_spawn(sample_timer_.get_executor(), sample_rates(), net::log_exception{"rate history"});
  co_await front_.run();
}

net::awaitable<void> server::sample_rates() {
  while (!stopping_) {
    const auto now = traffic(stats_, links_.links().active_links());
    history_.record(std::chrono::steady_clock::now(), now.route, now.group_activity);
    sample_timer_.expires_after(history_.step());
    co_await sample_timer_.async_wait(net::use_nothrow);  // cancelled by stop()
  }
}

void server::stop() {
  stopping_ = true;
  sample_timer_.cancel();
  front_.stop();
  hub_.stop();
  links_.stop();
  connections_.close_all();
}

net::ctl::ctl_answer server::ctl(const std::string& line, const std::string& config_path) {
  return ctl_answer(view(), line, [this, &config_path] { return reload_file(config_path, "ctl"); });
}
std::string server::metrics_text() const { return route::metrics_text(view()); }
std::string server::status_json() const { return route::status_json(view()); }

outcome::result<std::string> server::reload_file(const std::string& path, const char* by) {
  spdlog::info("{}: reloading {}", by, path);
  try {
    auto next = config::load_route_config(path);
    for (const auto& w : next.warnings) spdlog::warn("{}", w);
    auto changed = reload(std::move(next));
    spdlog::info("reload: {}", changed);
    return fmt::format("reloaded {}: {}", path, changed);
  } catch (const config::error& e) {
    spdlog::error("reload failed, nothing changed: {}", e.what());
    return outcome::fail(e.what());
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
