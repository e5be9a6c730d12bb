#include "platform/files.hpp"

#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <cerrno>

namespace platform {
namespace {

std::error_code last_errno() { return {errno, std::generic_category()}; }
std::error_code last_win32() { return {static_cast<int>(::GetLastError()), std::system_category()}; }

}  // namespace

// Windows files have no mode bits: who may read them is the folder's ACL
// (a user's %LOCALAPPDATA% is owner-only).
std::error_code write_file_synced(const std::string& path, std::string_view text, unsigned, bool exclusive) {
  const int flags = _O_WRONLY | _O_CREAT | _O_BINARY | _O_NOINHERIT | (exclusive ? _O_EXCL : _O_TRUNC);
  const int fd = ::_open(path.c_str(), flags, _S_IREAD | _S_IWRITE);
  if (fd < 0) return last_errno();
  bool ok = true;
  while (ok && !text.empty()) {
    const int n = ::_write(fd, text.data(), static_cast<unsigned>(text.size()));
    ok = n > 0;
    if (ok) text.remove_prefix(static_cast<std::size_t>(n));
  }
  ok = ok && ::_commit(fd) == 0;
  std::error_code ec = ok ? std::error_code() : last_errno();
  if (::_close(fd) != 0 && ok) ec = last_errno();
  return ec;
}

std::error_code replace_by(const std::string& from, const std::string& to) {
  if (::MoveFileExA(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return {};
  return last_win32();
}

void sync_folder_of(const std::string&) {}

std::optional<unsigned> permission_bits(const std::string&) { return std::nullopt; }

std::optional<std::pair<std::uint64_t, std::uint64_t>> stderr_identity() { return std::nullopt; }

std::error_code check_writable(const std::string& path) {
  const DWORD attrs = ::GetFileAttributesA(path.c_str());
  if (attrs == INVALID_FILE_ATTRIBUTES) return last_win32();
  if ((attrs & FILE_ATTRIBUTE_READONLY) && !(attrs & FILE_ATTRIBUTE_DIRECTORY))
    return std::make_error_code(std::errc::permission_denied);
  return {};
}

}  // namespace platform
