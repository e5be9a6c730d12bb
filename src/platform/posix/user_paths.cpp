#include "platform/user_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace platform {

std::string user_state_folder() {
  const char* home = std::getenv("HOME");
  return (std::filesystem::path(home && *home ? home : ".") / ".local/state/vnet").string();
}

std::optional<std::string> private_state_folder() { return std::nullopt; }

std::optional<std::string> history_file() {
  const auto home = user_home();
  if (!home) return std::nullopt;
  return *home + "/.vnet_history";
}

std::string default_config_file() { return "config.ini"; }

std::optional<std::string> user_home() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return std::nullopt;
  return std::string(home);
}

std::optional<std::string> user_runtime_folder() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (!xdg || !*xdg) return std::nullopt;
  return std::string(xdg);
}

}  // namespace platform
