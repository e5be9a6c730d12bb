#include "vnet/start_at_logon.hpp"

#include <filesystem>
#include <iostream>

#include "platform/host.hpp"
#include "platform/shortcut.hpp"

namespace vnet {
namespace {

namespace fs = std::filesystem;

// The shortcut's path; empty after saying why there is none.
std::string shortcut_path(const std::string& program, const char* option) {
  if (!platform::has_startup_folder) {
    std::cerr << program << ": " << option << " is for Windows (a shortcut in the Startup folder); on Linux "
              << "the packaged systemd unit starts vnet at boot (docs/operations.md)\n";
    return {};
  }
  const auto folder = platform::startup_folder();
  if (!folder) {
    std::cerr << program << ": " << option << ": cannot find this user's Startup folder\n";
    return {};
  }
  return (fs::path(*folder) / startup_shortcut_name).string();
}

}  // namespace

std::optional<std::string> config_to_start(const std::string& program, const std::string& config) {
  std::error_code ec;
  const fs::path file = fs::absolute(config, ec);
  if (!ec && fs::is_regular_file(file, ec)) return file.string();
  std::cerr << program << ": " << file.string() << " does not exist: copy config.ini.example to config.ini "
            << "beside " << program << ", edit it, and install again (or name the file to start with)\n";
  return std::nullopt;
}

int install_startup(const std::string& program, const std::string& config, bool config_given) {
  const std::string lnk = shortcut_path(program, "--install-startup");
  if (lnk.empty()) return platform::has_startup_folder ? 1 : 2;
  const auto absolute = config_to_start(program, config);
  if (!absolute) return 1;
  const fs::path file(*absolute);
  std::error_code ec;
  const fs::path exe(platform::program_file());
  const fs::path cmd = exe.parent_path() / "vnet.cmd";
  platform::shortcut s;
  s.path = lnk;
  s.description = "vnet: joins this machine to its virtual network";
  if (!config_given && fs::is_regular_file(cmd, ec)) {
    s.target = cmd.string();  // vnet.cmd starts vnet.exe config.ini in its own folder
    s.working_dir = exe.parent_path().string();
  } else {
    s.target = exe.string();
    s.arguments = "\"" + file.string() + "\"";
    s.working_dir = file.parent_path().string();
  }
  const bool existed = fs::exists(lnk, ec);
  if (auto bad = platform::write_shortcut(s)) {
    std::cerr << program << ": cannot write " << lnk << ": " << bad.message() << "\n";
    return 1;
  }
  std::cout << (existed ? "replaced " : "installed ") << lnk << ": at logon it starts " << s.target
            << (s.arguments.empty() ? "" : " " + s.arguments) << "\n"
            << "(" << program << " --uninstall-startup removes it)\n";
  return 0;
}

int uninstall_startup(const std::string& program) {
  const std::string lnk = shortcut_path(program, "--uninstall-startup");
  if (lnk.empty()) return platform::has_startup_folder ? 1 : 2;
  std::error_code ec;
  if (!fs::exists(lnk, ec)) {
    std::cout << "nothing to remove: " << lnk << " does not exist\n";
    return 0;
  }
  if (!fs::remove(lnk, ec) || ec) {
    std::cerr << program << ": cannot remove " << lnk << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "removed " << lnk << ": vnet no longer starts at logon\n";
  return 0;
}

}  // namespace vnet
