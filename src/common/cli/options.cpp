#include "cli/options.hpp"

#include <filesystem>
#include <iostream>
#include <vector>

#include <boost/program_options.hpp>

#include "log/setup.hpp"
#include "platform/shortcut.hpp"
#include "platform/user_paths.hpp"
#include "protocol/messages.hpp"

namespace po = boost::program_options;

namespace cli {

std::string shown_default_config() {
  const std::filesystem::path file(platform::default_config_file());
  return file.is_relative() ? "./" + file.string() : file.string();
}

std::optional<options> parse(int argc, char** argv, const char* default_name, const char* summary,
                             int& exit_code, bool with_vnet_flags) {
  // The name it was started as: the package installs route as vnet-route
  // (net-tools owns `route`), and its help and errors must say so.
  const std::string program = argc > 0 && argv[0][0] != '\0'
                                  ? std::filesystem::path(argv[0]).filename().string()
                                  : default_name;
  options out;
  out.config_path = platform::default_config_file();
  std::string log_size;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("check-config",
       "validate the configuration file and exit (0 when valid; 1 on an error or an unknown key)")
      ("log-level,v", po::value<std::string>(&out.log.level)->value_name("LEVEL"),
       "trace, debug, info (default), warn, error or off")
      ("log-file", po::value<std::string>(&out.log.file)->value_name("PATH"),
       "log to PATH instead of stderr, rotated by size (vnet.log: vnet.1.log ... vnet.3.log kept)")
      ("log-file-size", po::value<std::string>(&log_size)->value_name("SIZE"),
       "rotate the log file at SIZE bytes; K, M, G suffixes (default 10M)")
      ("ctl", po::value<std::string>(&out.ctl_path)->value_name("PATH"),
       "the control socket for `ctl` (default: $RUNTIME_DIRECTORY under systemd, else the file's path + .ctl)");
  po::options_description oneliner("Without a file (like ssh -L)");
  oneliner.add_options()
      ("route", po::value<std::string>(&out.vnet.route)->value_name("HOST:PORT"),
       "the route's address; [IPv6]:PORT for an IPv6 address")
      ("group", po::value<std::string>(&out.vnet.group)->value_name("GROUP"),
       "the group to join (default: default)")
      ("name", po::value<std::string>(&out.vnet.name)->value_name("NAME"),
       "the name other vnets see (default: this machine's host name)")
      ("serve", po::value<std::vector<std::string>>(&out.vnet.serves)->value_name("[IP:]PORT:SERVEID[/udp]"),
       "offer local port PORT (on IP, default 127.0.0.1) as SERVEID (0: the route picks); /udp: a UDP "
       "service; repeatable")
      ("use", po::value<std::vector<std::string>>(&out.vnet.uses)->value_name("SERVEID:[IP:]PORT[/udp]"),
       "listen on local PORT (on IP, default 127.0.0.1) for the serve SERVEID; repeatable")
      ("token-file", po::value<std::string>(&out.vnet.token_file)->value_name("FILE"),
       "the route's token, read from FILE (its first line): a secret stays off the command line")
      ("group-key-file", po::value<std::string>(&out.vnet.group_key_file)->value_name("FILE"),
       "the group's key, read from FILE (its first line)")
      ("fingerprint", po::value<std::string>(&out.vnet.fingerprint)->value_name("SHA256:..."),
       "accept only the route whose TLS key has this fingerprint (as the route logs it)");
  po::options_description route_only("Route keys");
  route_only.add_options()
      ("gen-token", "print a random token for [route] token= (32 bytes, base64url) and exit")
      ("fingerprint",
       "print the fingerprint of the route's TLS key (generating route-key.pem if needed) and exit");
  // Start at logon or boot: a Windows shortcut or service. Linux takes the
  // options only to say so; its help does not list them.
  po::options_description startup("Start at logon or boot (Windows)");
  startup.add_options()
      ("install-startup", "put a shortcut in this user's Startup folder that starts vnet.cmd (or vnet.exe with "
                          "the file named) at logon, and exit; again: replaces it")
      ("uninstall-startup", "remove that shortcut and exit")
      ("install-service", "register vnet (with the file, made absolute; its log vnet.log beside it) as the "
                          "service 'vnet', started at boot, and exit (as an administrator)")
      ("uninstall-service", "stop and remove that service and exit");
  if (with_vnet_flags) {
    visible.add_options()("gen-key", "print a new random group_key (for [vnet] group_key) and exit");
    visible.add(oneliner);
    if (platform::has_startup_folder) visible.add(startup);
  } else {
    visible.add(route_only);
  }
  po::options_description all;
  all.add(visible).add_options()("config", po::value<std::string>(&out.config_path));
  if (with_vnet_flags && !platform::has_startup_folder) all.add(startup);
  po::positional_options_description positional;
  positional.add("config", 1);

  po::variables_map vm;
  try {
    // No abbreviations: `--token` must not be taken for `--token-file`.
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << "\n";
    // A secret on the command line is readable by every user (ps): there
    // are files for them.
    const std::string what = e.what();
    if (with_vnet_flags && (what.find("'--token'") != std::string::npos ||
                            what.find("'--group-key'") != std::string::npos ||
                            what.find("'--group_key'") != std::string::npos))
      std::cerr << program << ": secrets are not taken on the command line (every user sees it in ps): "
                << "put it in a file readable only by you and give --token-file FILE or --group-key-file FILE\n";
    std::cerr << "Try '" << program << " --help'.\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << "Usage: " << program << " [options] [config.ini]\n";
    if (with_vnet_flags)
      std::cout << "  or:  " << program << " [options] --route HOST:PORT [--group G] [--use SERVEID:PORT]... "
                << "[--serve PORT:SERVEID]...\n";
    // Printed as a group of an outer description: Boost leaves one space
    // after the longest option of a flat list, and help2man (the man pages)
    // needs two to tell an option from its description.
    po::options_description help;
    help.add(visible);
    std::cout << "  or:  " << program << " ctl [--ctl PATH | --config FILE] COMMAND...\n";
    std::cout << summary << "\nThe configuration file defaults to " << shown_default_config() << ".\n"
              << "`" << program << " ctl COMMAND` runs COMMAND in the running daemon through its control socket\n"
              << "(" << program << " ctl help lists the commands; " << program << " ctl --help the options).\n"
              << help;  // help starts with a blank line
    exit_code = 0;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << program << " " << VNET_VERSION << " (protocol " << protocol::version << ")\n";
    exit_code = 0;
    return std::nullopt;
  }
  if (!log_size.empty()) {
    auto size = logging::parse_size(log_size);
    if (!size) {
      std::cerr << program << ": --log-file-size " << log_size
                << ": not a size (bytes, at least 1K; K, M, G suffixes, e.g. 10M)\n";
      exit_code = 2;
      return std::nullopt;
    }
    out.log.file_size = *size;
  }
  if (!logging::is_log_level(out.log.level)) {
    std::cerr << program << ": unknown log level '" << out.log.level
              << "' (use trace, debug, info, warn, error or off)\n";
    exit_code = 2;
    return std::nullopt;
  }
  out.check_only = vm.count("check-config") > 0;
  out.gen_key = vm.count("gen-key") > 0;
  out.gen_token = vm.count("gen-token") > 0;
  out.fingerprint = !with_vnet_flags && vm.count("fingerprint") > 0;  // the route's: print it
  out.config_given = vm.count("config") > 0;
  out.install_startup = vm.count("install-startup") > 0;
  out.uninstall_startup = vm.count("uninstall-startup") > 0;
  out.install_service = vm.count("install-service") > 0;
  out.uninstall_service = vm.count("uninstall-service") > 0;
  if (out.config_given && !out.vnet.empty()) {
    std::cerr << program << ": give either a configuration file or --route and its flags, not both\n"
              << "Try '" << program << " --help'.\n";
    exit_code = 2;
    return std::nullopt;
  }
  return out;
}

}  // namespace cli
