// route: the relay on the public host.
#include <filesystem>
#include <iostream>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "cli/ctl_command.hpp"
#include "platform/fd_limit.hpp"
#include "cli/options.hpp"
#include "cli/startup.hpp"
#include "config/config.hpp"
#include "crypto/secret.hpp"
#include "log/setup.hpp"
#include "net/ctl/ctl_server.hpp"
#include "net/endpoint.hpp"
#include "net/run.hpp"
#include "net/spawn.hpp"
#include "net/tls/tls.hpp"
#include "route/server.hpp"
#include "route/ops/status.hpp"

namespace {

const cli::ctl_target ctl_target{"route", "route.ctl", "/run/vnet-route"};

// A coroutine of its own, not a lambda: its frame must not point into a closure.
net::awaitable<net::ctl::ctl_answer> run_ctl_command(route::server& srv, std::string line, std::string config_path) {
  co_return srv.ctl(line, config_path);
}

// The server until it stops, then the control socket: its pending accept
// would keep the io_context running after everything else ended.
net::awaitable<void> run_daemon(route::server& srv, net::ctl::ctl_server& ctl) {
  co_await srv.run();
  ctl.stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "ctl")
    return cli::run_ctl(std::filesystem::path(argv[0]).filename().string(), argc - 2, argv + 2, ctl_target);
  int exit_code = 0;
  auto opts = cli::parse(argc, argv, "route",
                         "Relay for vnet: keeps the registry of vnets and serves, and "
                         "pairs and relays their links.",
                         exit_code);
  if (!opts) return exit_code;
  if (!logging::setup_logging(opts->log)) return 1;
  if (opts->gen_token) {
    std::cout << crypto::generate_secret() << "\n";  // as vnet --gen-key
    return 0;
  }

  auto loaded = cli::load_config(opts->config_path, &config::load_route_config, opts->check_only);
  if (!loaded) return 1;
  const auto& cfg = *loaded;
  if (opts->check_only) {
    std::cout << opts->config_path << ": valid; the route would listen on "
              << net::host_port(cfg.listen.ip, cfg.listen.port) << "\n";
    return 0;
  }

  if (opts->fingerprint) {
    try {
      std::cout << route::load_tls_identity(cfg).fingerprint << "\n";
      return 0;
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
  }

  platform::raise_fd_limit();
  boost::asio::io_context io(1);
  std::optional<route::server> made;
  try {
    made.emplace(io.get_executor(), cfg);
  } catch (const std::runtime_error& e) {
    spdlog::error("{}", e.what());  // the TLS key: unreadable, not PEM, not the certificate's
    return 1;
  }
  route::server& srv = *made;
  if (auto ec = srv.open()) {
    spdlog::error("cannot listen on {}: {}", net::host_port(cfg.listen.ip, cfg.listen.port), ec.message());
    return 1;
  }
  net::ctl::ctl_server ctl(io.get_executor(), cli::ctl_path(opts->ctl_path, ctl_target.runtime_name, opts->config_path),
                      "route", [&srv, &opts](std::string line) {
                        return run_ctl_command(srv, std::move(line), opts->config_path);
                      });
  if (auto opened = ctl.open(); !opened) {
    // Another route on it, or a socket asked for by name: refuse. Else (a
    // read-only folder, say) run on without one, and say so.
    if (ctl.in_use() || !opts->ctl_path.empty()) {
      spdlog::error("{}", opened.why());
      return 1;
    }
    spdlog::warn("{}; running without a control socket (give --ctl PATH for one)", opened.why());
  } else {
    spdlog::info("control socket {}", ctl.path());
    boost::asio::co_spawn(io, ctl.run(), net::log_exception{"control socket"});
  }
  // [route] metrics: /metrics and the status page.
  std::optional<http::server> web;
  http::options web_options{cfg.metrics, cfg.status_token, 8, 8192, std::chrono::seconds(5), "route metrics"};
  if (!http::start_listener(web, io.get_executor(), std::move(web_options), route::status_handler(srv), "[route] metrics")) return 1;
  // SIGHUP re-reads the file, as for the vnet (systemctl reload route).
  net::signal_hooks hooks;
  hooks.stop = [&] {
    ctl.stop();
    srv.stop();
    if (web) web->stop();
  };
  hooks.hangup = [&] { (void)srv.reload_file(opts->config_path); };  // it logs the outcome
  net::run_until_signal(io, run_daemon(srv, ctl), std::move(hooks), "route");
  return 0;
}
