#include "harness.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/socket.hpp"

namespace e2e {

namespace asio = boost::asio;
using asio::ip::tcp;

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);  // polling interval, not a wait for a state
  }
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// ---- client_socket -------------------------------------------------------

client_socket& client_socket::operator=(client_socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

client_socket::~client_socket() {
  if (fd_ >= 0) ::close(fd_);
}

bool client_socket::connect(std::uint16_t port) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

bool client_socket::send_all(const void* data, std::size_t n) {
  auto p = static_cast<const char*>(data);
  while (n > 0) {
    auto w = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void client_socket::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

namespace {
// Waits for readability until the deadline; false on timeout.
bool wait_readable(int fd, clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
}
}  // namespace

std::optional<std::vector<std::uint8_t>> client_socket::recv_exact(std::size_t n,
                                                                   std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint8_t> out(n);
  std::size_t got = 0;
  while (got < n) {
    if (!wait_readable(fd_, deadline)) return std::nullopt;
    auto r = ::recv(fd_, out.data() + got, n - got, 0);
    if (r <= 0) return std::nullopt;
    got += static_cast<std::size_t>(r);
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> client_socket::recv_to_eof(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> buf(1 << 16);
  for (;;) {
    if (!wait_readable(fd_, deadline)) return std::nullopt;
    auto r = ::recv(fd_, buf.data(), buf.size(), 0);
    if (r == 0) return out;
    if (r < 0) return std::nullopt;
    out.insert(out.end(), buf.begin(), buf.begin() + r);
  }
}

bool client_socket::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  char buf[4096];
  for (;;) {
    if (!wait_readable(fd_, deadline)) return false;
    auto r = ::recv(fd_, buf, sizeof buf, 0);
    if (r <= 0) return true;
  }
}

bool client_socket::send_message(const protocol::message& m) { return send_all(protocol::encode(m)); }

std::optional<protocol::message> client_socket::recv_message(std::chrono::milliseconds timeout) {
  auto head = recv_exact(protocol::header_size, timeout);
  if (!head) return std::nullopt;
  boost::system::error_code ec;
  auto h = protocol::parse_header(std::span<const std::uint8_t, protocol::header_size>(head->data(), protocol::header_size),
                                  protocol::max_payload, ec);
  if (ec) return std::nullopt;
  std::vector<std::uint8_t> payload;
  if (h.length) {
    auto p = recv_exact(h.length, timeout);
    if (!p) return std::nullopt;
    payload = std::move(*p);
  }
  auto m = protocol::decode_payload(h.type, payload, ec);
  if (ec) return std::nullopt;
  return m;
}

client_socket connect_eventually(std::uint16_t port, std::chrono::milliseconds timeout) {
  client_socket s;
  eventually([&] { return s.connect(port); }, timeout);
  return s;
}

// ---- world ---------------------------------------------------------------

world::world() : work_(asio::make_work_guard(io_)) {
  thread_ = std::thread([this] { io_.run(); });
}

world::~world() {
  on_io([this] {
    for (auto& v : vnets_) v->stop();
    if (route_) route_->stop();
    for (auto& a : services_) a->close();
  });
  work_.reset();
  // Everything ends by cancellation; give it a bounded time, then force.
  if (!eventually([&] { return io_.stopped(); }, 3s)) io_.stop();
  thread_.join();
}

std::uint16_t world::start_route(std::uint16_t port, double timeout_s, double handshake_timeout_s) {
  config::route_config cfg;
  cfg.listen = {"127.0.0.1", port};
  cfg.heartbeat = config::seconds(0.2);
  cfg.timeout = config::seconds(timeout_s);
  cfg.handshake_timeout = config::seconds(handshake_timeout_s);
  cfg.link_timeout = config::seconds(5);
  return on_io([&] {
    // A stopped server is kept alive: its coroutines may still be finishing.
    if (route_) graveyard_.push_back(std::move(route_));
    route_ = std::make_unique<route::server>(io_.get_executor(), cfg);
    if (auto ec = route_->open()) throw std::runtime_error("route: " + ec.message());
    route_port_ = route_->local_endpoint().port();
    asio::co_spawn(io_, route_->run(), net::log_exception{"test route"});
    return route_port_;
  });
}

void world::stop_route() {
  on_io([&] { route_->stop(); });
}

config::vnet_config world::vnet_config(const std::string& name, const std::string& group) const {
  config::vnet_config cfg;
  cfg.route = {"127.0.0.1", route_port_};
  cfg.name = name;
  cfg.group = group;
  cfg.heartbeat = config::seconds(0.2);
  cfg.reconnect = config::seconds(0.1);
  cfg.dial_timeout = config::seconds(2);
  return cfg;
}

vnet::client& world::start_vnet(const config::vnet_config& cfg) {
  return on_io([&]() -> vnet::client& {
    vnets_.push_back(std::make_unique<vnet::client>(io_.get_executor(), cfg));
    auto& c = *vnets_.back();
    asio::co_spawn(io_, c.run(), net::log_exception{"test vnet"});
    return c;
  });
}

void world::stop_vnet(vnet::client& c) {
  on_io([&] { c.stop(); });
}

bool world::use_listening(vnet::client& c, const std::string& key) {
  return on_io([&] {
    for (const auto& u : c.uses().entries())
      if (u.cfg.key == key) return u.state == vnet::use_state::listening;
    return false;
  });
}

std::uint16_t world::serve_id(vnet::client& c, const std::string& key) {
  return on_io([&]() -> std::uint16_t {
    for (const auto& s : c.serves().entries())
      if (s.cfg.key == key && s.state == vnet::serve_state::registered) return s.serveid;
    return 0;
  });
}

std::uint16_t world::start_service(std::function<asio::awaitable<void>(tcp::socket)> handler) {
  return on_io([&] {
    auto a = std::make_shared<tcp::acceptor>(io_);
    if (auto ec = net::listen(*a, "127.0.0.1", 0)) throw std::runtime_error(ec.message());
    services_.push_back(a);
    asio::co_spawn(
        io_,
        [this, a, handler]() -> asio::awaitable<void> {
          co_await net::accept_loop(*a, "test service", [&](tcp::socket s) {
            asio::co_spawn(io_, handler(std::move(s)), net::log_exception{"test service"});
          });
        },
        net::log_exception{"test service"});
    return a->local_endpoint().port();
  });
}

namespace {
asio::awaitable<void> echo_loop(tcp::socket& s) {
  std::vector<char> buf(1 << 16);
  for (;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), net::use_nothrow);
    if (n) {
      auto [wec, w] = co_await asio::async_write(s, asio::buffer(buf.data(), n), net::use_nothrow);
      if (wec) co_return;
    }
    if (ec) {
      boost::system::error_code ignored;
      s.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}
}  // namespace

std::uint16_t world::start_echo() {
  return start_service([](tcp::socket s) -> asio::awaitable<void> { co_await echo_loop(s); });
}

std::uint16_t world::start_banner(std::string banner) {
  return start_service([banner](tcp::socket s) -> asio::awaitable<void> {
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(banner), net::use_nothrow);
    if (!ec) co_await echo_loop(s);
  });
}

std::uint16_t world::start_counter() {
  return start_service([](tcp::socket s) -> asio::awaitable<void> {
    std::vector<char> buf(1 << 16);
    std::size_t total = 0;
    for (;;) {
      auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), net::use_nothrow);
      total += n;
      if (ec) break;
    }
    std::string reply = "got " + std::to_string(total);
    co_await asio::async_write(s, asio::buffer(reply), net::use_nothrow);
  });
}

std::uint16_t world::start_source(std::vector<std::uint8_t> bytes) {
  auto shared = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
  return start_service([shared](tcp::socket s) -> asio::awaitable<void> {
    co_await asio::async_write(s, asio::buffer(*shared), net::use_nothrow);
  });
}

}  // namespace e2e
