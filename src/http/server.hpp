#pragma once
// A small HTTP/1.1 listener for /metrics and the route's status page. Its
// bounds are those of anything facing a network: a request is at most
// max_request_bytes and must arrive within request_timeout (a slow client
// cannot hold the listener), at most max_connections are served at once
// (a new one closes the oldest that has not sent its request yet, so silent
// clients cannot keep a scraper out), one request per connection. Only GET
// and HEAD; with a token, every request needs `Authorization: Bearer TOKEN`
// or `?token=TOKEN` (compared in constant time); without one, the Host must
// be an address or localhost (a rebinding page's name is refused). Built in one translation unit
// (Boost.Beast) so the daemons' other files never include Beast.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "net/asio.hpp"

namespace http {

struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // The page's own policy (a script nonce); empty: nothing may load at all.
  std::string content_security_policy;
};

// The path (no query) of an authorized GET; nullopt means 404.
using handler = std::function<std::optional<response>(std::string_view path)>;

struct options {
  config::endpoint listen;
  std::string token;  // empty: no token asked
  std::size_t max_connections = 8;
  std::size_t max_request_bytes = 8192;
  std::chrono::milliseconds request_timeout{5000};
  std::string name = "metrics";  // for log lines
};

// True when `given` equals `expected`, in a time that depends only on their
// lengths (a token must not leak through the time a wrong guess takes).
bool same_secret(std::string_view given, std::string_view expected);

class server {
 public:
  server(net::asio::any_io_executor ex, options o, handler h);
  ~server();
  net::error_code open();
  net::tcp::endpoint local_endpoint() const;
  net::awaitable<void> run();  // accepts until stop()
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the connection coroutines
};

// A daemon's [route]/[vnet] metrics listener: when `o.listen` has an ip,
// emplaces `web`, opens it and spawns its accept loop. False (logged, naming
// `key`) when it cannot listen: the daemon stops at start.
bool start_listener(std::optional<server>& web, net::asio::any_io_executor ex, options o, handler h,
                    const char* key);

}  // namespace http
