#include "platform/host.hpp"

#include <windows.h>

namespace platform {

std::string hostname() {
  char host[256] = {};
  DWORD size = sizeof host - 1;
  if (!::GetComputerNameExA(ComputerNameDnsHostname, host, &size)) return {};
  return host;
}

long process_id() { return static_cast<long>(::GetCurrentProcessId()); }

}  // namespace platform
