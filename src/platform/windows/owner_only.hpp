#pragma once
// Owner-only access on Windows: a protected DACL that grants this process's
// user alone (its token's SID), for the ctl pipe and for the files vnet
// makes (known_routes, the history, a generated route key). Internal to
// src/platform/windows.
#include <windows.h>

#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace platform::windows {

struct local_free {
  void operator()(void* p) const { ::LocalFree(p); }
};
using security_descriptor = std::unique_ptr<void, local_free>;

// "D:P(A;FLAGS;GA;;;<this user's SID>)": the protected DACL inherits nothing
// (not even Administrators' default access). `ace_flags`: "OICI" for a
// folder whose files and subfolders inherit it, "" for one object. Null with
// `ec` set when the user's SID cannot be read.
security_descriptor owner_only_descriptor(const char* ace_flags, std::error_code& ec);

// Whom a DACL grants besides this user.
enum class also_grant { nobody, administrators };

// The SDDL of that DACL for the user `sid` ("S-1-5-18" for LocalSystem);
// with also_grant::administrators a second ACE grants BUILTIN\Administrators
// ("BA"): no other user, not Everyone.
std::string owner_only_sddl(const std::string& sid, const char* ace_flags, also_grant also);

// owner_only_descriptor, granting `also` as well.
security_descriptor owner_only_descriptor(const char* ace_flags, also_grant also, std::error_code& ec);

// Set by run_as_service (service.cpp) before the daemon's body runs: this
// process is a service of the SCM (LocalSystem by default), whose ctl pipe
// also admits Administrators (ctl_socket.cpp).
void mark_service_process();
bool is_service_process();

// Whether the DACL of file or folder `path` is protected and grants this
// user alone; nullopt when it cannot be read.
std::optional<bool> grants_only_this_user(const std::string& path);

}  // namespace platform::windows
