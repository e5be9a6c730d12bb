// vnet: serves local services on the route and uses remote ones locally.
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
#include "vnet/client.hpp"
#include "vnet/line_input.hpp"
#include "vnet/metrics.hpp"
#include "vnet/terminal.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  auto opts = cli::parse(argc, argv, "vnet",
                         "Joins this machine to a virtual network through a route: "
                         "serves local TCP services and maps remote ones to local ports.",
                         exit_code, true);
  if (!opts) return exit_code;
  if (!logging::setup_logging(opts->log)) return 1;

  std::optional<config::vnet_config> loaded;
  std::string source = opts->config_path;
  if (opts->vnet.empty()) {
    loaded = cli::load_config(opts->config_path, &config::load_vnet_config, opts->check_only);
  } else {
    source = "the command line";
    try {
      loaded = config::vnet_config_from_flags(opts->vnet);
    } catch (const config::error& e) {
      spdlog::error("{}", e.what());
    }
  }
  if (!loaded) return 1;
  const auto& cfg = *loaded;
  if (opts->check_only) {
    std::size_t active_serves = 0, active_uses = 0;
    for (const auto& sv : cfg.serves) active_serves += sv.active;
    for (const auto& u : cfg.uses) active_uses += u.active && u.serveid != 0;
    std::cout << source << ": valid; vnet '" << cfg.name << "' in group '" << cfg.group
              << "' would connect to " << net::host_port(cfg.route.ip, cfg.route.port) << " with "
              << cfg.serves.size() << " serve(s) (" << active_serves << " active) and "
              << cfg.uses.size() << " use(s) (" << active_uses << " to open)\n";
    return 0;
  }
  cli::raise_fd_limit();
  boost::asio::io_context io(1);
  vnet::client client(io.get_executor(), cfg);
  std::optional<vnet::line_input> input;
  std::optional<vnet::terminal> term;
  // [vnet] metrics: /metrics of this vnet's serves and uses.
  std::optional<http::server> web;
  if (!cfg.metrics.ip.empty()) {
    web.emplace(io.get_executor(), http::options{cfg.metrics, cfg.status_token, 8, 8192,
                                                 std::chrono::seconds(5), "vnet metrics"},
                vnet::metrics_handler(client));
    if (auto ec = web->open()) {
      spdlog::error("cannot listen on {} ([vnet] metrics): {}",
                    net::host_port(cfg.metrics.ip, cfg.metrics.port), ec.message());
      return 1;
    }
    boost::asio::co_spawn(io, web->run(), net::log_exception{"vnet metrics"});
  }
  net::signal_hooks hooks;
  hooks.stop = [&] {
    if (web) web->stop();
    client.stop();
    if (term) term->stop();
    if (input) input->close();
  };
  // SIGHUP: the reload of the terminal's command, for service managers.
  hooks.hangup = [&] {
    spdlog::info("SIGHUP: reloading {}", client.config_path());
    try {
      spdlog::info("reloaded {}: {}", client.config_path(), client.reload_file(""));
    } catch (const config::error& e) {
      spdlog::error("reload failed, nothing changed: {}", e.what());
    }
  };
  if (cfg.terminal) {
    std::string why;
    auto mode = vnet::line_input::detect(why);
    if (mode == vnet::line_input::mode::none) {
      spdlog::warn("terminal=true but stdin is not readable ({}): running without a terminal", why);
    } else {
      input.emplace(io.get_executor(), mode);
      if (mode == vnet::line_input::mode::tty) input->hook_logging();
      term.emplace(client, *input, [&] {
        hooks.stop();
        net::bound_shutdown("vnet");
      });
      if (mode == vnet::line_input::mode::tty) hooks.interrupt = [&] { term->interrupt(); };
      boost::asio::co_spawn(io, term->run(), net::log_exception{"terminal"});
    }
  }
  net::run_until_signal(io, client.run(), hooks, "vnet");
  return 0;
}
