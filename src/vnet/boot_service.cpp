#include "vnet/boot_service.hpp"

#include <filesystem>
#include <iostream>

#include "platform/host.hpp"
#include "platform/service.hpp"
#include "platform/shortcut.hpp"
#include "vnet/start_at_logon.hpp"

namespace vnet {
namespace {

namespace fs = std::filesystem;

bool windows_only(const std::string& program, const char* option) {
  if (platform::has_startup_folder) return false;
  std::cerr << program << ": " << option << " is for Windows (a service of the Service Control Manager); on "
            << "Linux the packaged systemd unit starts vnet at boot (docs/operations.md)\n";
  return true;
}

}  // namespace

int install_service(const std::string& program, const std::string& config) {
  if (windows_only(program, "--install-service")) return 2;
  const auto absolute = config_to_start(program, config);
  if (!absolute) return 1;
  const fs::path file(*absolute);
  const fs::path log = file.parent_path() / "vnet.log";
  const std::string command = "\"" + platform::program_file() + "\" --service --log-file \"" + log.string() +
                              "\" \"" + file.string() + "\"";
  if (auto bad = platform::install_service(service_name, "vnet", command)) {
    std::cerr << program << ": cannot install the service: " << bad.message()
              << " (run it from an administrator's console)\n";
    return 1;
  }
  std::cout << "installed the service '" << service_name << "': at boot it runs " << command << "\n"
            << "(sc start " << service_name << " starts it now; " << program
            << " --uninstall-service removes it)\n";
  return 0;
}

int uninstall_service(const std::string& program) {
  if (windows_only(program, "--uninstall-service")) return 2;
  const auto bad = platform::uninstall_service(service_name);
  if (bad == std::errc::no_such_file_or_directory) {
    std::cout << "nothing to remove: no service '" << service_name << "'\n";
    return 0;
  }
  if (bad) {
    std::cerr << program << ": cannot remove the service: " << bad.message()
              << " (run it from an administrator's console)\n";
    return 1;
  }
  std::cout << "removed the service '" << service_name << "'\n";
  return 0;
}

}  // namespace vnet
