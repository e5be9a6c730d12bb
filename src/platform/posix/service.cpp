#include "platform/service.hpp"

namespace platform {

std::optional<int> run_as_service(const std::string&, std::function<int()>) { return std::nullopt; }

std::error_code install_service(const std::string&, const std::string&, const std::string&) {
  return std::make_error_code(std::errc::not_supported);
}

std::error_code uninstall_service(const std::string&) { return std::make_error_code(std::errc::not_supported); }

}  // namespace platform
