// save_config(): what save writes to disk, and how. The text is
// rewrite_config()'s (save.cpp); here it is checked to read back as what
// runs, the old file kept as .bak, and the new one written atomically.
#include "vnet/save.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "files/replace_file.hpp"
#include "files/state_directory.hpp"
#include "platform/files.hpp"

namespace vnet {

namespace {

// The file's text; nullopt when it does not exist.
std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw config::error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Why this process cannot write `path` (and its .bak and .tmp beside it),
// with what to do instead; nullopt when it can. The packaged service is the
// usual case: /etc is read-only to it (ProtectSystem=strict) and the file is
// root's, but its state directory ($STATE_DIRECTORY) is its own.
std::optional<std::string> not_writable(const std::string& path, bool existed) {
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  std::error_code err = platform::check_writable(dir);
  if (!err && existed) err = platform::check_writable(path);
  if (err != std::errc::permission_denied && err != std::errc::operation_not_permitted &&
      err != std::errc::read_only_file_system)
    return std::nullopt;
  std::string hint;
  if (const auto state = files::state_directory()) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    std::string to = *state + "/" + name;
    hint = fmt::format("save it where this vnet may write, its state directory: vnet ctl save {}; then, "
                       "as root, copy it over {} (the service keeps that one read-only)",
                       to, path);
  } else {
    hint = "save it to a file this vnet may write (save FILE), or run the vnet as a user that may write " + path;
  }
  return fmt::format("{}: this vnet cannot write there ({}); nothing written. {}", path, err.message(), hint);
}

}  // namespace

std::string save_config(const std::string& path, const config::vnet_config& now,
                        const std::string& based_on) {
  auto current = read_text(path);
  bool existed = current.has_value();
  std::string old_text;
  if (current) old_text = *current;
  else if (!based_on.empty()) old_text = read_text(based_on).value_or("");
  auto text = rewrite_config(old_text, now);
  // It must read back as what runs now, or nothing is written.
  auto back = config::parse_vnet_config(text, path);
  // Same entries by key (the file's order may differ from the tables').
  auto same_entries = [](const auto& saved, const auto& running, bool keep_inactive) {
    if (saved.size() != running.size()) return false;
    for (auto x : running) {
      auto it = std::find_if(saved.begin(), saved.end(), [&](const auto& y) { return y.key == x.key; });
      if (it == saved.end()) return false;
      auto y = *it;
      if (keep_inactive && !x.active) x.active = y.active;
      if (!(x == y)) return false;
    }
    return true;
  };
  if (!same_entries(back.serves, now.serves, back.terminal && !back.startserve) ||
      !same_entries(back.uses, now.uses, back.terminal && !back.startuse))
    throw config::error(path + ": the saved file would not read back as the running serves and uses; "
                               "nothing written");
  if (existed && text == old_text) return fmt::format("{}: already up to date", path);
  if (auto bad = not_writable(path, existed)) throw config::error(*bad);

  // The file keeps its mode, and its backup has the same (a file kept
  // owner-only holds a token or a group key, and so does its .bak). A new
  // file is owner-only when it holds a secret.
  const bool secret = !now.token.empty() || !now.group_key.empty() || !now.status_token.empty();
  const auto bits = existed ? platform::permission_bits(path) : std::nullopt;
  const unsigned mode = bits ? *bits : secret ? 0600 : 0644;
  if (existed) {
    if (auto bak = files::replace_file(path + ".bak", old_text, mode); !bak)
      throw config::error(bak.why() + " (the backup); nothing written");
  }
  if (auto done = files::replace_file(path, text, mode); !done) throw config::error(done.why());
  return fmt::format("saved {} serve(s) and {} use(s) to {}{}", now.serves.size(), now.uses.size(), path,
                     existed ? " (the previous file is " + path + ".bak)" : "");
}

}  // namespace vnet
