// vnet: serves local services on the route and uses remote ones locally.
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "log/cli.hpp"
#include "net/run.hpp"
#include "net/socket.hpp"
#include "vnet/client.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  auto opts = logging::parse_cli(argc, argv, "vnet",
                                 "Joins this machine to a virtual network through a route: "
                                 "serves local TCP services and maps remote ones to local ports.",
                                 exit_code);
  if (!opts) return exit_code;
  logging::setup_logging(opts->log_level);

  auto loaded = logging::load_config(opts->config_path, &config::load_vnet_config);
  if (!loaded) return 1;
  const auto& cfg = *loaded;
  if (opts->check_only) {
    std::size_t active_serves = 0, active_uses = 0;
    for (const auto& sv : cfg.serves) active_serves += sv.active;
    for (const auto& u : cfg.uses) active_uses += u.active && u.serveid != 0;
    std::cout << opts->config_path << ": valid; vnet '" << cfg.name << "' in group '" << cfg.group
              << "' would connect to " << net::host_port(cfg.route.ip, cfg.route.port) << " with "
              << cfg.serves.size() << " serve(s) (" << active_serves << " active) and "
              << cfg.uses.size() << " use(s) (" << active_uses << " to open)\n";
    return 0;
  }
  if (cfg.terminal)
    spdlog::warn("terminal=true: the interactive terminal is not part of this build yet; "
                 "running from the configuration file (startserve/startuse honoured)");

  boost::asio::io_context io(1);
  vnet::client client(io.get_executor(), cfg);
  net::run_until_signal(io, client.run(), [&] { client.stop(); }, "vnet");
  return 0;
}
