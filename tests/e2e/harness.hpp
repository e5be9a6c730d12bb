#pragma once
// In-process world for end-to-end tests: a route, vnets and toy services all
// run on one io_context in a background thread; the test thread plays the
// user with blocking loopback sockets, every wait bounded by a deadline.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "client_socket.hpp"
#include "log_capture.hpp"
#include "config/config.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"
#include "protocol/ticket_lifetime.hpp"
#include "route/server.hpp"
#include "vnet/session/client.hpp"

namespace e2e {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// Polls `pred` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s);

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed);

// The route's timers for a test (short ones make failures quick).
struct route_options {
  double timeout_s = 15.0;            // a silent vnet is dropped after this
  double handshake_timeout_s = 10.0;  // opening frame deadline
  double link_timeout_s = 5.0;        // the serving side must join within this
  std::size_t max_group_vnets = protocol::max_vnets_listed;  // a smaller bound is quick to reach
  std::string ip = "127.0.0.1";
  config::route_limits limits;        // [route] max_*
  std::string token;                  // [route] token
  // How long the route keeps an unspent ticket (the protocol's 120 s is
  // too long to wait out in a test).
  std::chrono::steady_clock::duration ticket_lifetime = protocol::ticket_lifetime;
};

class world {
 public:
  world();
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  // Runs f on the io thread and returns its result.
  template <typename F>
  auto on_io(F f) -> decltype(f()) {
    using R = decltype(f());
    std::promise<R> p;
    auto fut = p.get_future();
    boost::asio::post(io_, [&] {
      if constexpr (std::is_void_v<R>) {
        f();
        p.set_value();
      } else {
        p.set_value(f());
      }
    });
    return fut.get();
  }

  // Route on opts.ip (port 0: the OS picks; returns the port).
  std::uint16_t start_route(std::uint16_t port = 0, const route_options& opts = {});
  void stop_route();
  // Reloads the running route with `opts` (as SIGHUP does with a new file).
  void reload_route(const route_options& opts);
  std::uint16_t route_port() const { return route_port_; }
  // This world's folder (removed with it): the routes' file "lives" there,
  // so a restarted route keeps its TLS key (route-key.pem), and the vnets
  // remember it in known_routes there, never in the user's home.
  const std::string& dir() const { return dir_; }
  route::server& route_server() { return *route_; }

  // A vnet config pointing at the current route, with fast timers.
  config::vnet_config vnet_config(const std::string& name, const std::string& group = "default") const;
  // `ticket_use_window`: how long its tickets stay usable (the protocol's
  // 90 s but in tests of the ticket lifetime).
  vnet::client& start_vnet(const config::vnet_config& cfg,
                           std::chrono::steady_clock::duration ticket_use_window = protocol::ticket_use_window);
  void stop_vnet(vnet::client& c);

  // Toy services on 127.0.0.1, run on the io thread. Return their ports.
  std::uint16_t start_echo();
  // An echo that counts the connections it accepts in `accepted`.
  std::uint16_t start_counted_echo(std::shared_ptr<std::atomic<int>> accepted);
  std::uint16_t start_banner(std::string banner);  // speaks first, then echoes
  // Reads to EOF, then answers "got N" and closes.
  std::uint16_t start_counter();
  // Sends `bytes` then closes; never reads.
  std::uint16_t start_source(std::vector<std::uint8_t> bytes);

  // True when the use named `key` of `c` is listening.
  bool use_listening(vnet::client& c, const std::string& key);
  // The port the use named `key` listens on (0 while it does not).
  std::uint16_t use_port(vnet::client& c, const std::string& key);
  std::uint16_t serve_id(vnet::client& c, const std::string& key);

  // Polls until a line logged since this world began matches `pattern`.
  bool wait_for_log(const std::string& pattern, std::chrono::milliseconds timeout = 5s) const;
  // Everything logged since this world began, for failure messages.
  std::string log() const;

 private:
  std::uint16_t start_service(std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)> handler);

  std::size_t log_mark_ = log_capture::instance().mark();
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<route::server> route_;
  std::vector<std::unique_ptr<route::server>> graveyard_;
  std::uint16_t route_port_ = 0;
  std::string route_ip_ = "127.0.0.1";
  std::string dir_;
  std::vector<std::unique_ptr<vnet::client>> vnets_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> services_;
  std::thread thread_;
};

config::serve_config serve_cfg(const std::string& key, std::uint16_t serveid, std::uint16_t port);
config::use_config use_cfg(const std::string& key, std::uint16_t serveid, std::uint16_t port);
// A use on a port the OS picks: world::use_port() tells which.
config::use_config any_port_use(const std::string& key, std::uint16_t serveid);

// The usual scene: a route, vnet "home" serving a service as serveid 700 and
// vnet "office" using it on a port the OS picks; ready when the use listens.
struct tunnel {
  world w;
  vnet::client* home = nullptr;
  vnet::client* office = nullptr;

  explicit tunnel(const std::function<std::uint16_t(world&)>& make_service,
                  const route_options& opts = {});
  // Where the use listens now (it may change when the use listens again).
  std::uint16_t use_port() { return w.use_port(*office, "svc"); }
  // One short exchange through the use port.
  bool echoes();
};

}  // namespace e2e
