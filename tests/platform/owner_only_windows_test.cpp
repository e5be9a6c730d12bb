// The DACL of the Windows ctl pipe and private files (platform/windows/owner_only.*):
// owner-only, and for a service's pipe also BUILTIN\Administrators, never
// anyone else. The descriptor is built and read back in memory, which Wine
// does (it keeps no ACL on a pipe or a file, so what a real Windows then
// enforces is not tested here).
#include <windows.h>

#include <sddl.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/windows/owner_only.hpp"

namespace {

using platform::windows::also_grant;

// The SIDs the descriptor's DACL allows, as strings, in order; "denied" for
// a denying ACE; "protected" first when the DACL inherits nothing.
std::vector<std::string> allowed(void* sd) {
  std::vector<std::string> out;
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  if (::GetSecurityDescriptorControl(sd, &control, &revision) && (control & SE_DACL_PROTECTED))
    out.push_back("protected");
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  if (!::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !present || !dacl) return {"no DACL"};
  ACL_SIZE_INFORMATION info{};
  ::GetAclInformation(dacl, &info, sizeof info, AclSizeInformation);
  for (DWORD i = 0; i < info.AceCount; ++i) {
    void* ace = nullptr;
    ::GetAce(dacl, i, &ace);
    if (static_cast<ACE_HEADER*>(ace)->AceType != ACCESS_ALLOWED_ACE_TYPE) {
      out.push_back("denied");
      continue;
    }
    auto* a = static_cast<ACCESS_ALLOWED_ACE*>(ace);
    LPSTR sid = nullptr;
    ::ConvertSidToStringSidA(reinterpret_cast<PSID>(&a->SidStart), &sid);
    out.push_back(sid ? sid : "?");
    if (a->Mask != GENERIC_ALL && a->Mask != FILE_ALL_ACCESS) out.back() += " (partial access)";
    ::LocalFree(sid);
  }
  return out;
}

std::string this_user() {
  HANDLE token = nullptr;
  ::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token);
  DWORD size = 0;
  ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  std::vector<char> user(size);
  ::GetTokenInformation(token, TokenUser, user.data(), size, &size);
  ::CloseHandle(token);
  LPSTR sid = nullptr;
  ::ConvertSidToStringSidA(reinterpret_cast<TOKEN_USER*>(user.data())->User.Sid, &sid);
  std::string s = sid ? sid : "";
  ::LocalFree(sid);
  return s;
}

constexpr const char* administrators = "S-1-5-32-544";  // BUILTIN\Administrators

TEST(OwnerOnlyDacl, TheSddlGrantsTheUserAndForAServiceAdministratorsAlone) {
  EXPECT_EQ(platform::windows::owner_only_sddl("S-1-5-18", "", also_grant::nobody), "D:P(A;;GA;;;S-1-5-18)");
  EXPECT_EQ(platform::windows::owner_only_sddl("S-1-5-18", "", also_grant::administrators),
            "D:P(A;;GA;;;S-1-5-18)(A;;GA;;;BA)");
  EXPECT_EQ(platform::windows::owner_only_sddl("S-1-5-21-1-2-3-1000", "OICI", also_grant::administrators),
            "D:P(A;OICI;GA;;;S-1-5-21-1-2-3-1000)(A;OICI;GA;;;BA)");
}

TEST(OwnerOnlyDacl, AnOwnerOnlyDescriptorAllowsThisUserAlone) {
  std::error_code ec;
  auto sd = platform::windows::owner_only_descriptor("", ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(sd);
  const std::vector<std::string> want{"protected", this_user()};
  EXPECT_EQ(allowed(sd.get()), want);
}

TEST(OwnerOnlyDacl, AServicesPipeDescriptorAlsoAllowsAdministratorsAndNoOneElse) {
  std::error_code ec;
  auto sd = platform::windows::owner_only_descriptor("", also_grant::administrators, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(sd);
  const std::vector<std::string> want{"protected", this_user(), administrators};
  EXPECT_EQ(allowed(sd.get()), want);
}

}  // namespace
