#include "platform/host.hpp"

#include <unistd.h>

namespace platform {

std::string hostname() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

long process_id() { return static_cast<long>(::getpid()); }

}  // namespace platform
