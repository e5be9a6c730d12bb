#include "cli/options.hpp"

#include <iostream>

#include <boost/program_options.hpp>

#include "log/setup.hpp"
#include "protocol/messages.hpp"

namespace po = boost::program_options;

namespace cli {

std::optional<options> parse(int argc, char** argv, const char* program, const char* summary,
                             int& exit_code) {
  options out;
  po::options_description visible("Options");
  visible.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("check-config",
       "validate the configuration file and exit (0 when valid; 1 on an error or an unknown key)")
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
  if (!logging::is_log_level(out.log_level)) {
    std::cerr << program << ": unknown log level '" << out.log_level
              << "' (use trace, debug, info, warn, error or off)\n";
    exit_code = 2;
    return std::nullopt;
  }
  out.check_only = vm.count("check-config") > 0;
  return out;
}

}  // namespace cli
