#include "platform/host.hpp"

#include <filesystem>

#include <unistd.h>

namespace platform {

std::string hostname() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

long process_id() { return static_cast<long>(::getpid()); }

std::string program_file() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

}  // namespace platform
