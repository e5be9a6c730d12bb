#include "log/cli.hpp"

#include <iostream>

#include <boost/program_options.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "protocol/messages.hpp"

namespace po = boost::program_options;

namespace logging {

std::optional<cli_options> parse_cli(int argc, char** argv, const char* program,
                                     const char* summary, int& exit_code) {
  cli_options out;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("check-config", "validate the configuration file and exit (0 when valid)")
      ("log-level,v", po::value<std::string>(&out.log_level)->value_name("LEVEL"),
       "trace, debug, info (default), warn, error or off");
  po::options_description all;
  all.add(visible).add_options()("config", po::value<std::string>(&out.config_path));
  po::positional_options_description positional;
  positional.add("config", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << "\nTry '" << program << " --help'.\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << "Usage: " << program << " [options] [config.ini]\n"
              << summary << "\nThe configuration file defaults to ./config.ini.\n\n"
              << visible;
    exit_code = 0;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << program << " " << VNET_VERSION << " (protocol " << protocol::version << ")\n";
    exit_code = 0;
    return std::nullopt;
  }
  if (spdlog::level::from_str(out.log_level) == spdlog::level::off && out.log_level != "off") {
    std::cerr << program << ": unknown log level '" << out.log_level
              << "' (use trace, debug, info, warn, error or off)\n";
    exit_code = 2;
    return std::nullopt;
  }
  out.check_only = vm.count("check-config") > 0;
  return out;
}

bool setup_logging(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  auto logger = spdlog::stderr_color_mt("vnet");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);  // daemons are read live, by people and tests
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace logging
