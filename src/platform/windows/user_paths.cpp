#include "platform/user_paths.hpp"

#include <cstdlib>
#include <filesystem>

#include "platform/host.hpp"

namespace platform {

std::string user_state_folder() {
  const char* local = std::getenv("LOCALAPPDATA");
  if (local && *local) return (std::filesystem::path(local) / "vnet").string();
  const char* profile = std::getenv("USERPROFILE");
  return (std::filesystem::path(profile && *profile ? profile : ".") / "AppData/Local/vnet").string();
}

std::optional<std::string> private_state_folder() { return user_state_folder(); }

std::optional<std::string> history_file() {
  return (std::filesystem::path(user_state_folder()) / "history").string();
}

std::string default_config_file() {
  const std::string exe = program_file();
  if (exe.empty()) return "config.ini";
  return (std::filesystem::path(exe).parent_path() / "config.ini").string();
}

std::optional<std::string> user_home() {
  const char* home = std::getenv("USERPROFILE");
  if (!home || !*home) return std::nullopt;
  return std::string(home);
}

std::optional<std::string> user_runtime_folder() { return std::nullopt; }

}  // namespace platform
