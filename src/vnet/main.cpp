// vnet: serves local services on the route and uses remote ones locally.
#include <cstdlib>
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
#include "platform/host.hpp"
#include "platform/user_paths.hpp"
#include "platform/service.hpp"
#include "vnet/boot_service.hpp"
#include "vnet/session/client.hpp"
#include "vnet/start_at_logon.hpp"
#include "vnet/terminal/line_input.hpp"
#include "vnet/metrics.hpp"
#include "vnet/terminal/terminal.hpp"

namespace {

const cli::ctl_target ctl_target{"vnet", "vnet.ctl", "/run/vnet", "vnet-"};

// The control socket's path; empty: none (a one-liner without a runtime
// directory: `vnet ctl` would have no way to find it anyway).
std::string ctl_socket_path(const cli::options& opts, bool from_file) {
  auto path = cli::ctl_path(opts.ctl_path, ctl_target.runtime_name, from_file ? opts.config_path : "");
  if (!path.empty()) return path;
  if (const auto dir = platform::user_runtime_folder())
    return *dir + "/vnet-" + std::to_string(platform::process_id()) + ".ctl";
  return {};
}

// One `vnet ctl` command, run by a terminal of its own whose output is kept.
net::awaitable<net::ctl::ctl_answer> run_ctl_command(vnet::client& client, std::string line) {
  net::ctl::ctl_answer answer;
  vnet::terminal term(client, answer.text);
  co_await term.execute(std::move(line));
  answer.status = term.status();
  co_return answer;
}

// The client until it stops, then the control socket: its pending accept
// would keep the io_context running after everything else ended.
net::awaitable<void> run_daemon(vnet::client& client, std::optional<net::ctl::ctl_server>& ctl) {
  co_await client.run();
  if (ctl) ctl->stop();
}

}  // namespace

static int vnet_main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "ctl")
    return cli::run_ctl(std::filesystem::path(argv[0]).filename().string(), argc - 2, argv + 2, ctl_target);
  int exit_code = 0;
  auto opts = cli::parse(argc, argv, "vnet",
                         "Joins this machine to a virtual network through a route: "
                         "serves local TCP services and maps remote ones to local ports.",
                         exit_code, true);
  if (!opts) return exit_code;
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  if (opts->install_startup) return vnet::install_startup(program, opts->config_path, opts->config_given);
  if (opts->uninstall_startup) return vnet::uninstall_startup(program);
  if (opts->install_service) return vnet::install_service(program, opts->config_path);
  if (opts->uninstall_service) return vnet::uninstall_service(program);
  if (opts->gen_key) {
    // The same key goes into the [vnet] group_key of every vnet of the group.
    std::cout << crypto::generate_secret() << "\n";
    return 0;
  }
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
  platform::raise_fd_limit();
  boost::asio::io_context io(1);
  vnet::client client(io.get_executor(), cfg);
  std::optional<net::ctl::ctl_server> ctl;
  if (auto path = ctl_socket_path(*opts, opts->vnet.empty()); !path.empty()) {
    ctl.emplace(io.get_executor(), path, "vnet",
                [&client](std::string line) { return run_ctl_command(client, std::move(line)); });
    if (auto opened = ctl->open(); !opened) {
      // Another vnet on it, or a socket asked for by name: refuse. Else
      // (a read-only folder, say) run on without one, and say so.
      if (ctl->in_use() || !opts->ctl_path.empty()) {
        spdlog::error("{}", opened.why());
        return 1;
      }
      spdlog::warn("{}; running without a control socket (give --ctl PATH for one)", opened.why());
      ctl.reset();
    } else {
      spdlog::info("control socket {} (vnet ctl --ctl {} help)", path, path);
      boost::asio::co_spawn(io, ctl->run(), net::log_exception{"control socket"});
    }
  } else {
    spdlog::info("no control socket: start with --ctl PATH to use vnet ctl");
  }
  std::optional<vnet::line_input> input;
  std::optional<vnet::terminal> term;
  // [vnet] metrics: /metrics of this vnet's serves and uses.
  std::optional<http::server> web;
  http::options web_options{cfg.metrics, cfg.status_token, 8, 8192, std::chrono::seconds(5), "vnet metrics"};
  if (!http::start_listener(web, io.get_executor(), std::move(web_options), vnet::metrics_handler(client), "[vnet] metrics")) return 1;
  net::signal_hooks hooks;
  hooks.stop = [&] {
    if (ctl) ctl->stop();
    if (web) web->stop();
    client.stop();
    if (term) term->stop();
    if (input) input->close();
  };
  // SIGHUP: the reload of the terminal's command, for service managers.
  hooks.hangup = [&] {
    spdlog::info("SIGHUP: reloading {}", client.config_path());
    auto summary = client.reload_file("");
    if (summary) spdlog::info("reloaded {}: {}", client.config_path(), *summary);
    else spdlog::error("reload failed, nothing changed: {}", summary.why());
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
  } else if (std::string why; vnet::line_input::detect(why) == vnet::line_input::mode::tty) {
    // Started by hand from a file without terminal=true: what the user types
    // goes nowhere, so say so before they wonder.
    spdlog::info("no terminal ([vnet] terminal=false): what is typed here is not read; set terminal = true "
                 "for the >: prompt{}", ctl ? ", or run commands with vnet ctl" : "");
  }
  net::run_until_signal(io, run_daemon(client, ctl), hooks, "vnet");
  return 0;
}

// `--service` first: started by the Windows Service Control Manager, as
// --install-service registered it; the rest is the usual command line.
int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--service") {
    argv[1] = argv[0];
    if (auto status = platform::run_as_service(vnet::service_name, [&] { return vnet_main(argc - 1, argv + 1); }))
      return *status;
    std::cerr << std::filesystem::path(argv[0]).filename().string()
              << ": --service: only the Service Control Manager starts vnet so (--install-service)\n";
    return 2;
  }
  return vnet_main(argc, argv);
}
