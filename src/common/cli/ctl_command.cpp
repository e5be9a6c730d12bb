#include "cli/ctl_command.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "cli/ctl_find.hpp"
#include "cli/options.hpp"
#include "platform/ctl_socket.hpp"
#include "platform/user_paths.hpp"

namespace cli {
namespace {

// Longer than any command's own wait on the route (unserve: 15 s).
constexpr int answer_timeout_s = 60;
constexpr std::size_t max_line = 4096;  // net::ctl::ctl_server::max_line

bool exists(const std::string& p) {
  return platform::ctl_file_kind(p) != platform::ctl_file::none;
}

// One argv word as the terminal's parser reads it back (vnet/command_line:
// double quotes group, no escapes): `info=my box` becomes `info="my box"`.
std::optional<std::string> quote(const std::string& w, std::string& why) {
  if (w.find_first_of("\"\n\r") != std::string::npos) {
    why = "an argument cannot contain '\"' or a line break";
    return std::nullopt;
  }
  if (!w.empty() && w.find_first_of(" \t") == std::string::npos) return w;
  auto eq = w.find('=');
  if (eq != std::string::npos && eq > 0 && w.find_first_of(" \t") > eq)
    return w.substr(0, eq + 1) + "\"" + w.substr(eq + 1) + "\"";
  return "\"" + w + "\"";
}

void usage(std::ostream& out, const std::string& program, const ctl_target& t) {
  out << "Usage: " << program << " ctl [--ctl PATH | --config FILE] COMMAND...\n"
      << "Runs COMMAND in the running " << t.daemon << " and prints its answer ("
      << program << " ctl help: the commands).\n"
      << "The socket: --ctl PATH, else FILE.ctl for --config FILE, else $RUNTIME_DIRECTORY/"
      << t.runtime_name << ",\nelse " << t.packaged_dir << "/" << t.runtime_name
      << " (the packaged service) if it exists, else " << shown_default_config() << ".ctl if it exists,\n"
      << "else the one running " << t.daemon << " started without a file"
      << (t.oneliner_prefix ? std::string(" ($XDG_RUNTIME_DIR/") + t.oneliner_prefix + "PID.ctl)" : std::string())
      << ".\n"
      << "Exit status: 0 done, 1 the command failed, 2 a usage error"
      << (t.oneliner_prefix ? std::string(" (or several ") + t.daemon + "s to choose from)" : std::string())
      << ", 3 no " << t.daemon << " is running there.\n";
}

// No file's socket here and not exactly one daemon started without a file:
// says so (none: where it looked; several: which, and how to choose).
// Returns the exit status: 3 none, 2 several.
int not_one_running(const std::string& program, const ctl_target& t, const std::string& dir,
                    const std::vector<std::string>& running) {
  if (running.empty()) {
    std::cerr << "no " << t.daemon << " found: no " << shown_default_config() << ".ctl here, and "
              << (dir.empty() ? std::string("XDG_RUNTIME_DIR is not set")
                              : "no running " + std::string(t.daemon) + " started without a file (" + dir + "/" +
                                    t.oneliner_prefix + "PID.ctl)")
              << ". Give --config FILE (its FILE.ctl) or --ctl PATH\n";
    return 3;
  }
  std::cerr << program << " ctl: " << running.size() << " " << t.daemon
            << "s are running; say which with --ctl PATH:\n";
  for (const auto& p : running) std::cerr << "  " << program << " ctl --ctl " << p << " ...\n";
  return 2;
}

}  // namespace

std::string ctl_path(const std::string& flag, const char* runtime_name, const std::string& config_path) {
  if (!flag.empty()) return flag;
  const char* rd = std::getenv("RUNTIME_DIRECTORY");
  if (rd && *rd) {
    std::string dir(rd);
    dir = dir.substr(0, dir.find(':'));  // several directories: the first
    return dir + "/" + runtime_name;
  }
  if (config_path.empty()) return {};
  return config_path + ".ctl";
}

int run_ctl(const std::string& program, int argc, char** argv, const ctl_target& t) {
  std::string flag, config;
  std::vector<std::string> words;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!words.empty()) {  // options come before the command; the rest is its
      words.emplace_back(a);
    } else if (a == "--help" || a == "-h") {
      usage(std::cout, program, t);
      return 0;
    } else if ((a == "--ctl" || a == "--config") && i + 1 < argc) {
      (a == "--ctl" ? flag : config) = argv[++i];
    } else if (a.starts_with("--ctl=")) {
      flag = a.substr(6);
    } else if (a.starts_with("--config=")) {
      config = a.substr(9);
    } else if (a.starts_with("--")) {
      std::cerr << program << " ctl: unknown option " << a << "\n";
      usage(std::cerr, program, t);
      return 2;
    } else {
      words.emplace_back(a);
    }
  }
  if (words.empty()) {
    std::cerr << program << " ctl: which command? (" << program << " ctl help lists them)\n";
    usage(std::cerr, program, t);
    return 2;
  }
  std::string line, why;
  for (const auto& w : words) {
    auto q = quote(w, why);
    if (!q) {
      std::cerr << program << " ctl: " << why << "\n";
      return 2;
    }
    line += (line.empty() ? "" : " ") + *q;
  }
  if (line.size() > max_line) {
    std::cerr << program << " ctl: the command is longer than " << max_line << " bytes\n";
    return 2;
  }
  // The socket of a daemon started with its default file.
  const std::string fallback = platform::default_config_file() + ".ctl";
  std::string path = flag;
  if (path.empty() && !config.empty()) path = config + ".ctl";
  if (path.empty()) path = ctl_path("", t.runtime_name, "");
  if (path.empty()) {
    std::string packaged = std::string(t.packaged_dir) + "/" + t.runtime_name;
    path = exists(packaged) ? packaged : fallback;
  }
  if (path == fallback && !exists(path) && t.oneliner_prefix) {
    const std::string dir = platform::user_runtime_folder().value_or("");
    const auto running = dir.empty() ? std::vector<std::string>{} : running_sockets(dir, t.oneliner_prefix);
    if (running.size() != 1) return not_one_running(program, t, dir, running);
    path = running.front();
  }

  if (path.size() > platform::max_ctl_path()) {
    std::cerr << program << " ctl: " << path << ": too long for a unix socket\n";
    return 2;
  }
  line += '\n';
  auto reply = platform::ctl_call(path, line, answer_timeout_s);
  if (reply.connect_error) {
    std::cerr << "no " << t.daemon << " is running at " << path << " (connect: " << reply.connect_error.message()
              << ")\n";
    return 3;
  }
  const std::string& answer = reply.answer;
  auto nl = answer.find('\n');
  if (nl == 0 || nl == std::string::npos || answer.find_first_not_of("0123456789") != nl) {
    if (reply.timed_out)
      std::cerr << program << " ctl: no answer from the " << t.daemon << " at " << path << " within "
                << answer_timeout_s << " s\n";
    else
      std::cerr << program << " ctl: the " << t.daemon << " at " << path << " closed the connection without an answer"
                << (reply.read_error ? " (" + reply.read_error.message() + ")" : std::string()) << "\n";
    return 1;
  }
  int status = std::atoi(answer.substr(0, nl).c_str());
  (status == 0 ? std::cout : std::cerr) << answer.substr(nl + 1) << std::flush;
  return status;
}

}  // namespace cli
