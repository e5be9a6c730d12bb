#pragma once
// Command line shared by both daemons: [options] [config.ini], plus logging
// set-up. Logs go to stderr so stdout stays free for the vnet terminal.
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "config/config.hpp"

namespace logging {

struct cli_options {
  std::string config_path = "config.ini";
  std::string log_level = "info";
  bool check_only = false;  // --check-config: validate the file, touch no socket
};

// Parses argv. Prints help/version/errors itself; returns nullopt with
// exit_code set when the process should stop (0 for --help/--version).
std::optional<cli_options> parse_cli(int argc, char** argv, const char* program,
                                     const char* summary, int& exit_code);

// Installs the stderr logger at the given level; false if the level is unknown.
bool setup_logging(const std::string& level);

// Loads the configuration with `load`. On error logs it and returns nullopt
// (the caller exits 1, before touching the network); otherwise logs the
// warnings and returns the configuration.
template <typename Config>
std::optional<Config> load_config(const std::string& path, Config (*load)(const std::string&)) {
  try {
    Config cfg = load(path);
    for (const auto& w : cfg.warnings) spdlog::warn("{}", w);
    return cfg;
  } catch (const config::error& e) {
    spdlog::error("{}", e.what());
    return std::nullopt;
  }
}

}  // namespace logging
