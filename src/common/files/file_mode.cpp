#include "files/file_mode.hpp"

#include <sys/stat.h>

namespace files {

std::optional<unsigned> readable_by_others(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  const unsigned mode = st.st_mode & 07777;
  if ((mode & (S_IRGRP | S_IROTH)) == 0) return std::nullopt;
  return mode;
}

}  // namespace files
