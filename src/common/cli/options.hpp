#pragma once
// The command line shared by both daemons: [options] [config.ini].
#include <optional>
#include <string>

namespace cli {

struct options {
  std::string config_path = "config.ini";
  std::string log_level = "info";
  bool check_only = false;  // --check-config: validate the file, touch no socket
};

// Parses argv. Prints help/version/errors itself; returns nullopt with
// exit_code set when the process should stop (0 for --help/--version, 2 for
// a bad command line).
std::optional<options> parse(int argc, char** argv, const char* program, const char* summary,
                             int& exit_code);

}  // namespace cli
