#include "route/server.hpp"

#include <malloc.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/frame_io.hpp"
#include "net/listen.hpp"
#include "net/relay.hpp"
#include "net/spawn.hpp"
#include "crypto/secret.hpp"
#include "net/time.hpp"
#include "protocol/error.hpp"
#include "text/printable.hpp"

using namespace boost::asio::experimental::awaitable_operators;

namespace route {
namespace {

std::string version_error(std::uint16_t theirs) {
  return fmt::format("protocol version {} is not supported; this route speaks protocol {} with TLS; "
                     "upgrade the vnet",
                     theirs, protocol::version);
}

// More queued connections taken at once (see net::accept_loop).
constexpr std::size_t route_accept_batch = 64;

std::vector<std::uint8_t> error_frame(protocol::errc code, const std::string& text) {
  return protocol::encode(protocol::error{static_cast<std::uint16_t>(code), text});
}

}  // namespace

server::server(net::asio::any_io_executor ex, config::route_config cfg,
               std::size_t max_group_vnets)
    : ex_(ex), cfg_(std::move(cfg)), tls_(load_tls_identity(cfg_)), acceptor_(ex), registry_(max_group_vnets) {}

std::vector<std::uint8_t> server::opening_failed(const net::error_code& rec, const std::string& from,
                                                 const char* stage) {
  if (!peer_log_.allow(handshakes, "warning")) {
    // Over the budget: the line is counted, not written.
  } else if (rec == net::asio::error::timed_out) {
    spdlog::warn("connection from {} dropped: no opening frame within {} ms", from,
                 net::to_ms(cfg_.handshake_timeout).count());
  } else if (rec.category() == protocol::category()) {
    spdlog::warn("connection from {} dropped: bad opening frame: {}", from, rec.message());
  } else if (rec != net::asio::error::operation_aborted) {
    spdlog::warn("connection from {} dropped {}: {}", from, stage, rec.message());
  }
  if (rec.category() != protocol::category()) return {};
  return error_frame(static_cast<protocol::errc>(rec.value()), "bad opening frame: " + rec.message());
}

net::error_code server::open() { return net::listen(acceptor_, cfg_.listen.ip, cfg_.listen.port); }

net::tcp::endpoint server::local_endpoint() const {
  net::error_code ec;
  return acceptor_.local_endpoint(ec);
}

net::awaitable<void> server::run() {
  spdlog::info("route listening on {}", net::to_string(local_endpoint()));
  spdlog::info("TLS key fingerprint {} ({})", tls_.fingerprint, tls_.source);
  if (cfg_.token.empty())
    spdlog::warn("no token: anyone who reaches this route can join (set [route] token=; route --gen-token makes one)");
  std::function<void(net::tcp::socket)> on_accept = [this](net::tcp::socket s) {
    make_room();
    net::asio::co_spawn(ex_, handle(std::move(s)), net::log_exception{"route connection"});
  };
  std::function<bool()> on_exhausted = [this] { return shed_for_descriptors(); };
  co_await net::accept_loop(acceptor_, "route", std::move(on_accept), std::move(on_exhausted),
                            route_accept_batch);
}

void server::make_room() {
  // Read at each accept: a reload may have changed it.
  const std::size_t max = cfg_.limits.max_unidentified;
  if (unidentified_.size() < max) {
    if (shed_streak_ > 0)
      spdlog::info("route: fewer than {} unidentified connections again; {} closed to make room",
                   max, shed_streak_);
    shed_streak_ = 0;
    return;
  }
  if (shed_streak_ == 0)
    spdlog::warn("route: {} connections have not sent their opening frame, the most allowed: "
                 "closing the oldest to make room (raise [route] max_unidentified)", max);
  while (unidentified_.size() >= max) {
    auto from = unidentified_.shed_oldest();
    if (!from) break;
    ++shed_streak_;
    ++stats_.limit_refusals["max_unidentified"];
    spdlog::debug("connection from {} closed: it had not identified itself (max_unidentified)", *from);
  }
}

bool server::shed_for_descriptors() {
  auto from = unidentified_.shed_oldest();
  if (from)
    spdlog::debug("connection from {} closed: out of file descriptors, it had not identified itself",
                  *from);
  return from.has_value();
}

void server::trim_soon() {
  if (trim_timer_ || stopping_) return;  // one trim per second at most: it walks the heap
  trim_timer_ = std::make_unique<net::asio::steady_timer>(ex_, std::chrono::seconds(1));
  trim_timer_->async_wait([this](net::error_code ec) {
    if (ec) return;  // stop(): the server is going away
    trim_timer_.reset();
    malloc_trim(0);
  });
}

void server::stop() {
  stopping_ = true;
  net::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [group, u] : updates_)
    if (u.timer) u.timer->cancel();
  // Each vnet is told why, so that it logs more than "connection closed".
  for (auto& [id, s] : sessions_) s->fail("the route is shutting down");
  links_.close_all();
  idle_.close_all();
  connections_.close_all();
  if (trim_timer_) trim_timer_->cancel();
}

void server::reload_file(const std::string& path) {
  spdlog::info("SIGHUP: reloading {}", path);
  try {
    auto next = config::load_route_config(path);
    for (const auto& w : next.warnings) spdlog::warn("{}", w);
    spdlog::info("reload: {}", reload(std::move(next)));
  } catch (const config::error& e) {
    spdlog::error("reload failed, nothing changed: {}", e.what());
  }
}

std::string server::reload(config::route_config next) {
  auto plan = plan_reload(cfg_, next);
  // Port 0 (tests: the OS picks) is the same address as the port it picked.
  if (cfg_.listen.port == 0 && next.listen.ip == cfg_.listen.ip &&
      next.listen.port == local_endpoint().port())
    plan.listen_changed = false;
  if (plan.listen_changed)
    spdlog::warn("reload: [route] ip/port {} needs a restart; still listening on {}",
                 net::host_port(next.listen.ip, next.listen.port), net::to_string(local_endpoint()));
  if (next.tls_cert != cfg_.tls_cert || next.tls_key != cfg_.tls_key)
    spdlog::warn("reload: [route] tls_cert/tls_key need a restart; the TLS key stays {}", tls_.fingerprint);
  if (next.token.empty() && !cfg_.token.empty())
    spdlog::warn("no token: anyone who reaches this route can join (set [route] token=; route --gen-token makes one)");
  cfg_ = std::move(plan.apply);
  // Deadlines and the heartbeat are read from cfg_ when a connection, link or
  // welcome needs them; only live sessions hold a timeout of their own.
  for (auto& [id, s] : sessions_) s->set_timeout(net::to_duration(cfg_.timeout));
  return plan.summary();
}

net::awaitable<void> server::handle(net::tcp::socket s) {
  net::error_code ec;
  auto ep = s.remote_endpoint(ec);
  std::string from = ec ? "?" : net::to_string(ep);
  std::string address = ec ? "?" : ep.address().to_string();
  // Logged once, when the ban began.
  if (admission_.banned(address, std::chrono::steady_clock::now())) co_return;
  const auto deadline = std::chrono::steady_clock::now() + net::to_duration(cfg_.handshake_timeout);
  // The first byte tells a control session (TLS) from a link (a plaintext
  // frame); peeked, so that either reader sees it again.
  std::uint8_t first = 0;
  net::error_code pec;
  {
    net::socket_set::guard guard(connections_, s);
    unidentified::guard listed(unidentified_, s, from);
    net::asio::steady_timer timer(ex_, deadline);
    auto r = co_await (s.async_receive(net::asio::buffer(&first, 1), net::tcp::socket::message_peek,
                                       net::use_nothrow) ||
                       timer.async_wait(net::use_nothrow));
    if (r.index() == 1) {
      pec = net::asio::error::timed_out;
    } else {
      auto [rec, n] = std::get<0>(r);
      pec = rec ? rec : n == 0 ? net::error_code(net::asio::error::eof) : net::error_code{};
    }
  }
  if (pec) {
    if (!peer_log_.allow(handshakes, "warning")) {
      // Over the budget: the line is counted, not written.
    } else if (pec == net::asio::error::timed_out)
      spdlog::warn("connection from {} dropped: no opening frame within {} ms", from,
                   net::to_ms(cfg_.handshake_timeout).count());
    else if (pec != net::asio::error::operation_aborted)
      spdlog::warn("connection from {} dropped during handshake: {}", from, pec.message());
    co_return;
  }
  // Spawned, not awaited: a link lives for hours inside handle_plain, and
  // this frame (the peek's timer and result, ~1 KB) would live as long.
  if (first == net::tls_handshake_byte)
    net::asio::co_spawn(ex_, handle_tls(std::move(s), std::move(from), std::move(address), deadline),
                        net::log_exception{"route connection"});
  else
    net::asio::co_spawn(ex_, handle_plain(std::move(s), std::move(from), deadline),
                        net::log_exception{"route connection"});
}

net::awaitable<void> server::handle_plain(net::tcp::socket s, std::string from,
                                          std::chrono::steady_clock::time_point deadline) {
  net::socket_set::guard guard(connections_, s);
  unidentified::guard listed(unidentified_, s, from);
  const auto left = std::max<net::duration>(deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(1));
  net::frame_result opening = co_await net::read_frame(s, protocol::max_opening_payload, left);
  listed.release();
  const auto& rec = opening.ec;
  auto& msg = opening.msg;
  if (rec) {
    auto frame = opening_failed(rec, from, "during handshake");
    if (!frame.empty()) co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  if (!protocol::is_opening(static_cast<std::uint16_t>(protocol::type_of(msg)))) {
    if (peer_log_.allow(handshakes, "warning"))
      spdlog::warn("connection from {} dropped: it opened with {}", from,
                 protocol::name_of(protocol::type_of(msg)));
    auto frame = error_frame(protocol::errc::unexpected_message, "a connection must open with a hello");
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  std::uint16_t theirs = std::visit(
      [](const auto& m) -> std::uint16_t {
        if constexpr (requires { m.version; }) return m.version;
        else return protocol::version;
      },
      msg);
  if (theirs != protocol::version) {
    if (peer_log_.allow(handshakes, "warning"))
      spdlog::warn("connection from {} dropped: {}", from, version_error(theirs));
    auto frame = error_frame(protocol::errc::version_mismatch, version_error(theirs));
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  if (std::holds_alternative<protocol::control_hello>(msg)) {
    // A vnet of protocol 4 speaks TLS: this is a hand-made client or a
    // misconfigured proxy. (Older vnets got the version refusal above.)
    const std::string why = "control sessions must use TLS";
    if (peer_log_.allow(handshakes, "warning"))
      spdlog::warn("connection from {} dropped: a plaintext control_hello ({})", from, why);
    auto frame = error_frame(protocol::errc::unexpected_message, why);
    co_await net::write_frame(s, std::move(frame));
  } else if (auto* open = std::get_if<protocol::link_open>(&msg)) {
    net::asio::co_spawn(ex_, run_use_link(std::move(s), *open), net::log_exception{"route link"});
  } else if (auto* pool = std::get_if<protocol::link_pool>(&msg)) {
    net::asio::co_spawn(ex_, run_pooled_link(std::move(s), *pool), net::log_exception{"route link"});
  } else {
    join_link(s, std::get<protocol::link_join>(msg), from);
  }
}

net::awaitable<void> server::run_session(net::tls_stream s, protocol::control_hello hello) {
  if (stopping_) co_return;
  if (registry_.group_full(hello.group)) {
    // Bounded so that no list of the group's vnets can outgrow a frame.
    auto why = fmt::format("group '{}' is full: one group may hold at most {} vnets",
                           text::printable(hello.group), registry_.max_group_vnets());
    net::error_code ec;
    auto ep = s.next_layer().remote_endpoint(ec);
    if (peer_log_.allow(handshakes, "warning"))
      spdlog::warn("vnet '{}' from {} refused: {}", text::printable(hello.name),
                   ec ? "?" : net::to_string(ep), why);
    auto frame = error_frame(protocol::errc::too_many_vnets, why);
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  auto id = registry_.add_vnet(hello.name, hello.group, hello.key);
  auto sess = std::make_shared<session>(std::move(s), id, net::to_duration(cfg_.timeout));
  sessions_[id] = sess;
  spdlog::info("vnet {:02} ({}) connected from {}, group '{}'", id, text::printable(hello.name),
               sess->remote(), text::printable(hello.group));
  sess->send(protocol::welcome{protocol::version, id,
                               static_cast<std::uint32_t>(net::to_ms(cfg_.heartbeat).count()),
                               static_cast<std::uint32_t>(net::to_ms(cfg_.timeout).count())});
  // The newcomer gets the whole list once; the others only the new count.
  sess->send(registry_.list_for_group(hello.group));
  push_update(hello.group, {});

  std::function<void(const protocol::message&)> on_message = [this, &sess](const protocol::message& m) {
    on_control(*sess, m);
  };
  auto reason = co_await sess->run(std::move(on_message));

  sessions_.erase(id);
  tickets_.forget(id);
  trim_soon();
  drop_unserves(id);
  auto serves = registry_.serves_of_group(hello.group);
  auto gone = registry_.remove_vnet(id);
  links_.drop_vnet(id, fmt::format("vnet {:02} disconnected", id));
  idle_.drop_vnet(id);
  protocol::serve_list_update left;
  for (const auto& e : serves)
    if (e.vnetid == id) {
      spdlog::info("serve {:03} '{}' of vnet {:02} unregistered", e.serve.serveid,
                   text::printable(e.serve.name), id);
      left.removed.push_back(e.serve.serveid);
    }
  peer_log_.forget(subject(id));
  spdlog::info("vnet {:02} ({}) disconnected: {}", id, text::printable(gone ? gone->name : hello.name),
               text::printable(reason));
  if (!stopping_) push_update(hello.group, left);
}

}  // namespace route
