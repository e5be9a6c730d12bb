#include "files/file_mode.hpp"

#include "platform/files.hpp"

namespace files {

std::optional<unsigned> readable_by_others(const std::string& path) {
  const auto mode = platform::permission_bits(path);
  if (!mode || (*mode & 0044) == 0) return std::nullopt;  // group or others may read
  return mode;
}

}  // namespace files
