#pragma once
// Validated configuration of both daemons. Loading never touches the network;
// any error names the file, section, key and bad value (config::error).
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace config {

using seconds = std::chrono::duration<double>;

// Thrown by the loaders. what() is the full message, e.g.
//   config.ini: [serve.ssh] port = "abc": not a port number (1-65535)
// A file's loader goes on after a problem and throws them all at the end
// (a file with five typos is fixed in one run of --check-config): what()
// has one per line, problems() each apart, with the file's warnings found
// meanwhile (unknown keys), which --check-config shows too.
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what), problems_{what} {}
  explicit error(const char* what) : error(std::string(what)) {}
  error(std::vector<std::string> problems, std::vector<std::string> warnings, std::size_t unknown)
      : std::runtime_error(joined(problems)),
        problems_(std::move(problems)),
        warnings_(std::move(warnings)),
        unknown_(unknown) {}

  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  std::size_t unknown() const { return unknown_; }

 private:
  static std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
  }
  std::vector<std::string> problems_;
  std::vector<std::string> warnings_;
  std::size_t unknown_ = 0;
};

struct endpoint {
  std::string ip;
  std::uint16_t port = 0;  // 0 only for the route: let the OS pick (tests)
  bool operator==(const endpoint&) const = default;
};

// Quotas the route enforces against each peer ([route] max_*). Each refusal
// names its key, so that an operator who meets one knows what to raise.
// Every value is 1..max_limit; the defaults (config/schema_route.cpp) are
// generous for real use and bound what one hostile client can take.
struct route_limits {
  route_limits();  // the schema's defaults
  unsigned max_serves_per_vnet{};           // serves one vnet may register
  unsigned max_pending_links_per_vnet{};    // links a vnet opened, waiting to pair
  unsigned max_live_links_per_vnet{};       // paired links a vnet opened (use side)
  unsigned max_pending_links_per_serve{};   // links to one serve, waiting to pair
  unsigned max_live_links_per_serve{};      // paired links to one serve
  unsigned max_sessions_per_address{};      // control sessions from one source IP
  unsigned max_unidentified{};              // connections before their opening frame
  unsigned max_unserves_per_minute{};       // unserve requests per requester (failed count)
  unsigned max_idle_links_per_vnet{};       // idle pooled links of one vnet, both roles
  unsigned max_sessions_per_network{};      // control sessions from one /24 or /64
  unsigned max_group_unserves_per_minute{}; // unserve requests per group, and per network
  unsigned max_handshakes_per_second{};     // TLS handshakes started per second (two buckets)
  unsigned max_pending_handshakes{};        // TLS handshakes in progress at once
  bool operator==(const route_limits&) const = default;
};
inline constexpr unsigned max_limit = 1000000;
// [vnet] max_idle_links: 0 (no pools) to this; the route's own quota of idle
// links per vnet (64 by default) is the real bound.
inline constexpr unsigned max_idle_links_bound = 1024;

// Secrets typed by people (token, group_key) must be at least this long:
// `route --gen-token` and `vnet --gen-key` print 43 characters.
inline constexpr std::size_t min_secret_chars = 16;

// The structs below hold what a file says. Every key, its default, its
// rule and its documentation is one row of the schema (config/schema.hpp);
// a default-constructed struct holds the schema's defaults.

// [route] as the route daemon reads it.
struct route_config {
  route_config();
  std::string path;                       // the file it came from (keys are found beside it)
  endpoint listen;                        // [route] ip, port (required)
  std::string token;                      // [route] token: admission secret; empty = open route
  std::string tls_cert;                   // [route] tls_cert, tls_key: PEM files (both or none),
  std::string tls_key;                    //   relative to the file's folder; none = generated key
  seconds heartbeat{};                      // [route] heartbeat: ping interval told to vnets
  seconds timeout{};                        // [route] timeout: drop a vnet silent this long
  seconds handshake_timeout{};              // [route] handshake_timeout: first frame deadline
  seconds link_timeout{};                   // [route] link_timeout: pairing deadline
  route_limits limits;                    // [route] max_*: quotas per peer
  bool log_links{};                         // [route] log_links: a line per finished link
  endpoint metrics;                       // [route] metrics: HTTP /metrics and status page; ip empty = off
  std::string status_token;               // [route] status_token: required beyond loopback
  std::vector<std::string> warnings;      // unknown keys etc., for the log
  std::size_t unknown = 0;                // how many warnings are unknown keys (typos)
};

struct serve_config {
  serve_config();
  std::string key;           // NAME of [serve.NAME]
  std::uint16_t serveid{};     // 0: the route assigns; 1-499 dynamic; 500-999 static
  std::string type;
  std::string ip;
  std::uint16_t port = 0;    // required, 1-65535
  std::string name;          // defaults to key
  std::string info;
  bool active{};               // effective value (startserve already applied)
  bool operator==(const serve_config&) const = default;  // reload compares definitions
};

struct use_config {
  use_config();
  std::string key;           // NAME of [use.NAME]
  std::uint16_t serveid = 0; // 1-999; 0 means "not opened" (a warning is recorded)
  std::string ip;
  std::uint16_t port = 0;    // 0: the served service's port
  std::string type;          // "": the serve's; "tcp" or "udp": must match the serve's
  bool active{};               // effective value (startuse already applied)
  bool any_port = false;     // not in config files: the OS picks the port (tests)
  bool operator==(const use_config&) const = default;
};

struct vnet_config {
  vnet_config();
  std::string path;          // the file it came from (reload default)
  endpoint route;            // [route] ip, port (required)
  std::string token;         // [route] token: proves admission to a private route
  std::string fingerprint;   // [route] fingerprint: "SHA256:..." pin of the route's key
  std::string known_routes;  // [route] known_routes: where first-use fingerprints are kept
  std::string group_key;     // [vnet] group_key: secret of the group, never sent
  std::string name;          // [vnet] name
  std::string group;
  bool terminal{};
  bool startserve{};           // as written; only meaningful with terminal=true
  bool startuse{};
  bool allow_unserve{};
  bool unserve_remote{};
  unsigned unserve_num{};
  seconds unserve_unused_timeout{};  // [vnet] an unserve never used is removed after this
  seconds unserve_idle_timeout{};    // [vnet] a used one: this long after its last link closed
  seconds heartbeat{};         // [vnet] heartbeat: ping interval (the shorter of this and the route's)
  seconds reconnect{};         // [vnet] reconnect: delay between attempts to reach the route
  seconds dial_timeout{};      // [vnet] dial_timeout: connecting to a served service
  // [vnet] max_links_per_serve: links accepted at once per serve this vnet
  // offers; more are refused (the route tells the use side why).
  unsigned max_links_per_serve{};
  // [vnet] max_udp_flows: client addresses each udp use carries at once
  // (one link each); auto as max_links_per_serve (config/auto_limit.hpp).
  unsigned max_udp_flows{};
  seconds udp_idle{};          // [vnet] udp_idle: a flow silent this long closes its link
  // [vnet] max_idle_links: the most idle links each pool (use side, serve
  // side) keeps open to the route ahead of need; 0 = no pools (every link
  // is opened when needed, one round trip slower).
  unsigned max_idle_links{};
  bool log_links{};            // [vnet] log_links: a line per finished link (bytes, duration)
  endpoint metrics;          // [vnet] metrics: HTTP /metrics; ip empty = off
  std::string status_token;  // [vnet] status_token: required when metrics listens beyond loopback
  std::vector<serve_config> serves;  // in file order
  std::vector<use_config> uses;      // in file order
  std::vector<std::string> warnings;  // for the log: unknown keys and sections, unopened uses
  // How many of the warnings are unknown keys or sections, most likely typos:
  // a daemon only logs them, --check-config refuses the file.
  std::size_t unknown = 0;
};

// Both throw config::error. A file that cannot be read is an error too.
route_config load_route_config(const std::string& path);
vnet_config load_vnet_config(const std::string& path);

// Same rules, from text in memory; `name` stands for the file in messages.
route_config parse_route_config(const std::string& text, const std::string& name);
vnet_config parse_vnet_config(const std::string& text, const std::string& name);

}  // namespace config
