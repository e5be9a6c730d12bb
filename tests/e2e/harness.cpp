#include "harness.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/listen.hpp"
#include "net/spawn.hpp"

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

// ---- world ---------------------------------------------------------------

namespace {

// A new folder of this user's in the system's temporary folder, as mkdtemp
// makes one (Windows has no mkdtemp): a random name, taken only if new.
std::string make_temporary_folder() {
  namespace fs = std::filesystem;
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::error_code ec;
    auto dir = fs::temp_directory_path(ec) / ("vnet-e2e-" + std::to_string(random()));
    if (ec) break;
    if (fs::create_directory(dir, ec)) {
      fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
      return dir.string();
    }
  }
  throw std::runtime_error("world: cannot make a temporary folder");
}

}  // namespace

world::world() : work_(asio::make_work_guard(io_)) {
  dir_ = make_temporary_folder();
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
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

namespace {
config::route_config route_config_of(const route_options& opts, std::uint16_t port,
                                     const std::string& dir) {
  config::route_config cfg;
  cfg.path = dir + "/route.ini";  // only its folder is used: route-key.pem
  cfg.token = opts.token;
  cfg.listen = {opts.ip, port};
  cfg.heartbeat = config::seconds(0.2);
  cfg.timeout = config::seconds(opts.timeout_s);
  cfg.handshake_timeout = config::seconds(opts.handshake_timeout_s);
  cfg.link_timeout = config::seconds(opts.link_timeout_s);
  cfg.limits = opts.limits;
  return cfg;
}
}  // namespace

std::uint16_t world::start_route(std::uint16_t port, const route_options& opts) {
  auto cfg = route_config_of(opts, port, dir_);
  route_ip_ = opts.ip;
  return on_io([&] {
    // A stopped server is kept alive: its coroutines may still be finishing.
    if (route_) graveyard_.push_back(std::move(route_));
    route_ = std::make_unique<route::server>(io_.get_executor(), cfg, opts.max_group_vnets, opts.ticket_lifetime);
    if (auto ec = route_->open()) throw std::runtime_error("route: " + ec.message());
    route_port_ = route_->local_endpoint().port();
    asio::co_spawn(io_, route_->run(), net::log_exception{"test route"});
    return route_port_;
  });
}

void world::stop_route() {
  on_io([&] { route_->stop(); });
}

void world::reload_route(const route_options& opts) {
  auto cfg = route_config_of(opts, route_port_, dir_);
  on_io([&] { route_->reload(std::move(cfg)); });
}

config::vnet_config world::vnet_config(const std::string& name, const std::string& group) const {
  config::vnet_config cfg;
  cfg.route = {route_ip_, route_port_};
  cfg.name = name;
  cfg.group = group;
  cfg.heartbeat = config::seconds(0.2);
  cfg.reconnect = config::seconds(0.1);
  cfg.dial_timeout = config::seconds(2);
  cfg.known_routes = dir_ + "/known_routes";
  return cfg;
}

vnet::client& world::start_vnet(const config::vnet_config& cfg,
                                std::chrono::steady_clock::duration ticket_use_window) {
  return on_io([&]() -> vnet::client& {
    vnets_.push_back(std::make_unique<vnet::client>(io_.get_executor(), cfg, ticket_use_window));
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

std::uint16_t world::use_port(vnet::client& c, const std::string& key) {
  return on_io([&]() -> std::uint16_t {
    for (const auto& u : c.uses().entries())
      if (u.cfg.key == key && u.state == vnet::use_state::listening) return u.listen_port;
    return 0;
  });
}

bool world::wait_for_log(const std::string& pattern, std::chrono::milliseconds timeout) const {
  return log_capture::instance().wait_for(pattern, log_mark_, timeout);
}

std::string world::log() const { return log_capture::instance().dump(log_mark_); }

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
          std::function<void(tcp::socket)> on_accept = [&](tcp::socket s) {
            asio::co_spawn(io_, handler(std::move(s)), net::log_exception{"test service"});
          };
          co_await net::accept_loop(*a, "test service", std::move(on_accept));
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

std::uint16_t world::start_counted_echo(std::shared_ptr<std::atomic<int>> accepted) {
  return start_service([accepted](tcp::socket s) -> asio::awaitable<void> {
    ++*accepted;
    co_await echo_loop(s);
  });
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

config::serve_config serve_cfg(const std::string& key, std::uint16_t serveid, std::uint16_t port) {
  config::serve_config s;
  s.key = s.name = key;
  s.serveid = serveid;
  s.port = port;
  return s;
}

config::use_config use_cfg(const std::string& key, std::uint16_t serveid, std::uint16_t port) {
  config::use_config u;
  u.key = key;
  u.serveid = serveid;
  u.port = port;
  return u;
}

config::use_config any_port_use(const std::string& key, std::uint16_t serveid) {
  auto u = use_cfg(key, serveid, 0);
  u.any_port = true;
  return u;
}

tunnel::tunnel(const std::function<std::uint16_t(world&)>& make_service, const route_options& opts) {
  w.start_route(0, opts);
  auto a = w.vnet_config("home");
  a.serves.push_back(serve_cfg("svc", 700, make_service(w)));
  home = &w.start_vnet(a);
  auto b = w.vnet_config("office");
  b.uses.push_back(any_port_use("svc", 700));
  office = &w.start_vnet(b);
  eventually([&] { return w.use_listening(*office, "svc"); });
}

bool tunnel::echoes() {
  client_socket c;
  if (!c.connect(use_port()) || !c.send_all(std::string("still here"))) return false;
  auto got = c.recv_exact(10, 2s);
  return got && std::string(got->begin(), got->end()) == "still here";
}

}  // namespace e2e
