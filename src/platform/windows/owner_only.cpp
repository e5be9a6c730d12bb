#include "platform/windows/owner_only.hpp"

#include <aclapi.h>
#include <sddl.h>

#include <atomic>
#include <vector>

namespace platform::windows {
namespace {

std::error_code last_win32() { return {static_cast<int>(::GetLastError()), std::system_category()}; }

// This process's TOKEN_USER (its SID inside); empty when it cannot be read.
std::vector<char> token_user() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
  DWORD size = 0;
  ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<char> user(size);
  const bool got = size && ::GetTokenInformation(token, TokenUser, user.data(), size, &size);
  ::CloseHandle(token);
  if (!got) user.clear();
  return user;
}

PSID sid_of(std::vector<char>& user) { return reinterpret_cast<TOKEN_USER*>(user.data())->User.Sid; }

}  // namespace

std::string owner_only_sddl(const std::string& sid, const char* ace_flags, also_grant also) {
  std::string sddl = std::string("D:P(A;") + ace_flags + ";GA;;;" + sid + ")";
  if (also == also_grant::administrators) sddl += std::string("(A;") + ace_flags + ";GA;;;BA)";
  return sddl;
}

security_descriptor owner_only_descriptor(const char* ace_flags, std::error_code& ec) {
  return owner_only_descriptor(ace_flags, also_grant::nobody, ec);
}

security_descriptor owner_only_descriptor(const char* ace_flags, also_grant also, std::error_code& ec) {
  auto user = token_user();
  LPSTR sid = nullptr;
  if (user.empty() || !::ConvertSidToStringSidA(sid_of(user), &sid)) {
    ec = last_win32();
    return nullptr;
  }
  const std::string sddl = owner_only_sddl(sid, ace_flags, also);
  ::LocalFree(sid);
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl.c_str(), SDDL_REVISION_1, &sd, nullptr))
    ec = last_win32();
  return security_descriptor(sd);
}

namespace {
std::atomic<bool> service_process{false};
}  // namespace

void mark_service_process() { service_process = true; }
bool is_service_process() { return service_process; }

std::optional<bool> grants_only_this_user(const std::string& path) {
  auto user = token_user();
  if (user.empty()) return std::nullopt;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR raw = nullptr;
  if (::GetNamedSecurityInfoA(path.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                              nullptr, &raw) != ERROR_SUCCESS)
    return std::nullopt;
  security_descriptor sd(raw);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  if (!::GetSecurityDescriptorControl(sd.get(), &control, &revision)) return std::nullopt;
  // No DACL at all grants everyone.
  if (!dacl || !(control & SE_DACL_PROTECTED)) return false;
  ACL_SIZE_INFORMATION info{};
  if (!::GetAclInformation(dacl, &info, sizeof info, AclSizeInformation)) return std::nullopt;
  bool granted = false;
  for (DWORD i = 0; i < info.AceCount; ++i) {
    void* ace = nullptr;
    if (!::GetAce(dacl, i, &ace)) return std::nullopt;
    const auto* header = static_cast<ACE_HEADER*>(ace);
    if (header->AceType == ACCESS_DENIED_ACE_TYPE) continue;  // takes away, never grants
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE) return false;
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
    if (!::EqualSid(reinterpret_cast<PSID>(&allowed->SidStart), sid_of(user))) return false;
    granted = true;
  }
  return granted;
}

}  // namespace platform::windows
