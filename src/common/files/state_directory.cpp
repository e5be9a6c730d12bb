#include "files/state_directory.hpp"

#include <cstdlib>

namespace files {

std::optional<std::string> state_directory() {
  const char* state = std::getenv("STATE_DIRECTORY");
  if (!state || !*state) return std::nullopt;
  const std::string all(state);
  return all.substr(0, all.find(':'));
}

}  // namespace files
