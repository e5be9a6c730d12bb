#include "platform/shortcut.hpp"

namespace platform {

std::optional<std::string> startup_folder() { return std::nullopt; }

std::error_code write_shortcut(const shortcut&) { return std::make_error_code(std::errc::not_supported); }

}  // namespace platform
