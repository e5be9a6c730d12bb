#include "platform/files.hpp"

#include <windows.h>

#include <algorithm>
#include <filesystem>

#include "platform/windows/owner_only.hpp"

namespace platform {
namespace {

std::error_code last_win32() { return {static_cast<int>(::GetLastError()), std::system_category()}; }

}  // namespace

// Windows files have no mode bits: a mode for the owner alone becomes an
// owner-only DACL; else the file inherits its folder's ACL.
std::error_code write_file_synced(const std::string& path, std::string_view text, unsigned mode, bool exclusive) {
  std::error_code ec;
  windows::security_descriptor sd;
  if ((mode & 077) == 0) {
    sd = windows::owner_only_descriptor("", ec);
    if (ec) return ec;
  }
  SECURITY_ATTRIBUTES sa{sizeof sa, sd.get(), FALSE};
  HANDLE h = ::CreateFileA(path.c_str(), GENERIC_WRITE, 0, &sa, exclusive ? CREATE_NEW : CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD err = ::GetLastError();
    if (err == ERROR_FILE_EXISTS) return std::make_error_code(std::errc::file_exists);
    return {static_cast<int>(err), std::system_category()};
  }
  bool ok = true;
  while (ok && !text.empty()) {
    DWORD n = 0;
    ok = ::WriteFile(h, text.data(), static_cast<DWORD>(std::min<std::size_t>(text.size(), 1u << 30)), &n,
                     nullptr) && n > 0;
    if (ok) text.remove_prefix(n);
  }
  ok = ok && ::FlushFileBuffers(h);
  if (!ok) ec = last_win32();
  if (!::CloseHandle(h) && ok) ec = last_win32();
  return ec;
}

std::error_code replace_by(const std::string& from, const std::string& to) {
  if (::MoveFileExA(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return {};
  return last_win32();
}

void sync_folder_of(const std::string&) {}

std::optional<unsigned> permission_bits(const std::string&) { return std::nullopt; }

std::error_code create_private_folder(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return {};
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const auto sd = windows::owner_only_descriptor("OICI", ec);
  if (ec) return ec;
  SECURITY_ATTRIBUTES sa{sizeof sa, sd.get(), FALSE};
  if (!::CreateDirectoryA(path.c_str(), &sa) && ::GetLastError() != ERROR_ALREADY_EXISTS) return last_win32();
  return {};
}

std::optional<bool> owner_only(const std::string& path) { return windows::grants_only_this_user(path); }

std::optional<std::pair<std::uint64_t, std::uint64_t>> stderr_identity() { return std::nullopt; }

std::error_code check_writable(const std::string& path) {
  const DWORD attrs = ::GetFileAttributesA(path.c_str());
  if (attrs == INVALID_FILE_ATTRIBUTES) return last_win32();
  if ((attrs & FILE_ATTRIBUTE_READONLY) && !(attrs & FILE_ATTRIBUTE_DIRECTORY))
    return std::make_error_code(std::errc::permission_denied);
  return {};
}

}  // namespace platform
