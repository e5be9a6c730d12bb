#include "files/replace_file.hpp"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "platform/files.hpp"
#include "platform/host.hpp"

namespace files {

outcome::status replace_file(const std::string& path, std::string_view text, unsigned mode) {
  const std::string tmp = fmt::format("{}.{}.tmp", path, platform::process_id());
  auto ec = platform::write_file_synced(tmp, text, mode);
  std::error_code absent;
  if (ec && !std::filesystem::exists(tmp, absent))  // not even created
    return outcome::fail(fmt::format("{}: cannot write: {}", tmp, ec.message()));
  if (!ec) ec = platform::replace_by(tmp, path);
  if (ec) {
    std::remove(tmp.c_str());
    return outcome::fail(fmt::format("{}: cannot write: {}", path, ec.message()));
  }
  // The rename is an entry in the folder: it is on disk once the folder is.
  platform::sync_folder_of(path);
  return {};
}

}  // namespace files
