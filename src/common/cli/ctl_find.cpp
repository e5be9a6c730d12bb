#include "cli/ctl_find.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

namespace cli {

std::vector<std::string> running_sockets(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return found;
  constexpr std::string_view suffix = ".ctl";
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    long pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || pid <= 0) continue;
    const std::string path = dir + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    // A vnet that was killed leaves its socket behind: only a live PID counts.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) continue;
    found.push_back(path);
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace cli
