#include "vnet/route_trust.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "files/replace_file.hpp"
#include "files/state_directory.hpp"
#include "net/endpoint.hpp"
#include "platform/files.hpp"
#include "platform/user_paths.hpp"

namespace vnet {
namespace {

namespace fs = std::filesystem;

struct remembered {
  std::string fingerprint;
  std::size_t line = 0;
};

// The line of known_routes about `where`, if there is one.
std::optional<remembered> find_route(const std::string& path, const std::string& where) {
  std::ifstream in(path);
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string host, fp;
    if (fields >> host >> fp && host == where) return remembered{fp, n};
  }
  return std::nullopt;
}

// Appends a line, atomically (files::replace_file): a crash never leaves
// half a file.
outcome::status remember(const std::string& path, const std::string& where, const std::string& fp) {
  // The per-user folder is made owner-only (platform/files.hpp); a folder
  // named by known_routes= usually exists already.
  fs::path p(path);
  if (p.has_parent_path()) platform::create_private_folder(p.parent_path().string());
  std::string old;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    old = buf.str();
  }
  if (!old.empty() && old.back() != '\n') old += '\n';
  // Fingerprints are public: readable by all, like ssh's known_hosts.
  return files::replace_file(path, old + where + ' ' + fp + '\n', 0644);
}

}  // namespace

std::string known_routes_path(const config::vnet_config& cfg) {
  const fs::path folder = cfg.path.empty() ? fs::path() : fs::path(cfg.path).parent_path();
  if (!cfg.known_routes.empty()) {
    fs::path p(cfg.known_routes);
    return (p.is_absolute() ? p : folder / p).string();
  }
  if (const auto state = files::state_directory()) return (fs::path(*state) / "known_routes").string();
  if (const auto own = platform::private_state_folder()) return (fs::path(*own) / "known_routes").string();
  if (!cfg.path.empty()) return (folder / "known_routes").string();
  return (fs::path(platform::user_state_folder()) / "known_routes").string();
}

outcome::status check_route_key(const config::vnet_config& cfg, const std::string& fingerprint,
                                bool ca_verified) {
  const std::string where = net::host_port(cfg.route.ip, cfg.route.port);
  if (!cfg.fingerprint.empty()) {
    if (fingerprint == cfg.fingerprint) return outcome::status{};
    return outcome::fail(fmt::format("route {} presented key {}, but [route] fingerprint= pins {}: a different "
                       "route, or its key changed (then update fingerprint=)",
                       where, fingerprint, cfg.fingerprint));
  }
  if (ca_verified) return outcome::status{};
  const std::string path = known_routes_path(cfg);
  auto known = find_route(path, where);
  if (known && known->fingerprint == fingerprint) return outcome::status{};
  if (known)
    return outcome::fail(fmt::format("route {} presented key {}, but {} line {} remembers {}; if the route's key "
                       "was changed on purpose, delete that line or set `fingerprint={}` in [route]",
                       where, fingerprint, path, known->line, known->fingerprint, fingerprint));
  if (auto kept = remember(path, where, fingerprint); !kept)
    spdlog::warn("trusting route {} (key {}) without remembering it: {}", where, fingerprint, kept.why());
  else
    spdlog::info("first connection to route {}: trusting its key {}, remembered in {}", where,
                 fingerprint, path);
  return outcome::status{};
}

}  // namespace vnet
