#include "platform/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace platform {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::error_code write_file_synced(const std::string& path, std::string_view text, unsigned mode, bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, static_cast<mode_t>(mode));
  if (fd < 0) return last_error();
  bool ok = write_all(fd, text) && ::fsync(fd) == 0;
  std::error_code ec = ok ? std::error_code() : last_error();
  if (::close(fd) != 0 && ok) ec = last_error();
  return ec;
}

std::error_code replace_by(const std::string& from, const std::string& to) {
  return std::rename(from.c_str(), to.c_str()) == 0 ? std::error_code() : last_error();
}

void sync_folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::optional<unsigned> permission_bits(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<unsigned>(st.st_mode & 07777);
}

std::error_code create_private_folder(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p, ec)) return {};
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return last_error();
  return {};
}

std::optional<bool> owner_only(const std::string& path) {
  const auto bits = permission_bits(path);
  if (!bits) return std::nullopt;
  return (*bits & 077) == 0;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> stderr_identity() {
  struct stat st {};
  if (::fstat(2, &st) != 0) return std::nullopt;
  return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
}

std::error_code check_writable(const std::string& path) {
  return ::access(path.c_str(), W_OK) == 0 ? std::error_code() : last_error();
}

}  // namespace platform
