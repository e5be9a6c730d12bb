#include "cli/ctl_find.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "platform/ctl_socket.hpp"

namespace cli {

std::vector<std::string> running_sockets(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return found;
  constexpr std::string_view suffix = ".ctl";
  for (const auto& e : it) {
    const std::string file_name = e.path().filename().string();
    std::string_view name = file_name;
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    long pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || pid <= 0) continue;
    const std::string path = dir + "/" + std::string(name);
    if (platform::ctl_file_kind(path) != platform::ctl_file::socket) continue;
    // A vnet that was killed leaves its socket behind: only a live PID counts.
    if (!platform::process_alive(pid)) continue;
    found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace cli
