// route: the relay on the public host.
#include <iostream>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "cli/fd_limit.hpp"
#include "cli/options.hpp"
#include "cli/startup.hpp"
#include "config/config.hpp"
#include "log/setup.hpp"
#include "net/endpoint.hpp"
#include "net/run.hpp"
#include "net/spawn.hpp"
#include "route/server.hpp"
#include "route/status.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  auto opts = cli::parse(argc, argv, "route",
                         "Relay for vnet: keeps the registry of vnets and serves, and "
                         "pairs and relays their links.",
                         exit_code);
  if (!opts) return exit_code;
  if (!logging::setup_logging(opts->log)) return 1;

  auto loaded = cli::load_config(opts->config_path, &config::load_route_config, opts->check_only);
  if (!loaded) return 1;
  const auto& cfg = *loaded;
  if (opts->check_only) {
    std::cout << opts->config_path << ": valid; the route would listen on "
              << net::host_port(cfg.listen.ip, cfg.listen.port) << "\n";
    return 0;
  }

  cli::raise_fd_limit();
  boost::asio::io_context io(1);
  route::server srv(io.get_executor(), cfg);
  if (auto ec = srv.open()) {
    spdlog::error("cannot listen on {}: {}", net::host_port(cfg.listen.ip, cfg.listen.port), ec.message());
    return 1;
  }
  // [route] metrics: /metrics and the status page.
  std::optional<http::server> web;
  if (!cfg.metrics.ip.empty()) {
    web.emplace(io.get_executor(), http::options{cfg.metrics, cfg.status_token, 8, 8192,
                                                 std::chrono::seconds(5), "route metrics"},
                route::status_handler(srv));
    if (auto ec = web->open()) {
      spdlog::error("cannot listen on {} ([route] metrics): {}",
                    net::host_port(cfg.metrics.ip, cfg.metrics.port), ec.message());
      return 1;
    }
    boost::asio::co_spawn(io, web->run(), net::log_exception{"route metrics"});
  }
  // SIGHUP re-reads the file, as for the vnet (systemctl reload route).
  net::signal_hooks hooks;
  hooks.stop = [&] {
    srv.stop();
    if (web) web->stop();
  };
  hooks.hangup = [&] { srv.reload_file(opts->config_path); };
  net::run_until_signal(io, srv.run(), std::move(hooks), "route");
  return 0;
}
