#include "platform/host.hpp"

#include <windows.h>

#include <filesystem>

namespace platform {

std::string hostname() {
  char host[256] = {};
  DWORD size = sizeof host - 1;
  if (!::GetComputerNameExA(ComputerNameDnsHostname, host, &size)) return {};
  return host;
}

long process_id() { return static_cast<long>(::GetCurrentProcessId()); }

std::string program_file() {
  std::wstring exe(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = ::GetModuleFileNameW(nullptr, exe.data(), static_cast<DWORD>(exe.size()));
    if (n == 0) return {};
    if (n < exe.size()) {
      exe.resize(n);
      return std::filesystem::path(exe).string();
    }
    exe.resize(exe.size() * 2);
  }
}

}  // namespace platform
