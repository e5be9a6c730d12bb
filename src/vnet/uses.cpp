#include "vnet/uses.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/frame_io.hpp"
#include "net/relay.hpp"
#include "vnet/command_line.hpp"

namespace vnet {

const char* to_string(use_state s) {
  switch (s) {
    case use_state::inactive: return "inactive";
    case use_state::no_serveid: return "no serveid";
    case use_state::standby: return "standing by";
    case use_state::listening: return "listening";
    case use_state::port_busy: return "port busy";
  }
  return "?";
}

use_table::use_table(net::asio::any_io_executor ex, route_context& ctx) : ex_(ex), ctx_(ctx) {}

void use_table::load(const std::vector<config::use_config>& uses) {
  close_all();
  entries_.clear();
  for (const auto& u : uses) add(u);
}

use_entry& use_table::add(const config::use_config& cfg, bool temporary) {
  use_entry e;
  e.id = next_id_++;
  e.cfg = cfg;
  e.temporary = temporary;
  e.state = !cfg.active ? use_state::inactive : cfg.serveid == 0 ? use_state::no_serveid : use_state::standby;
  entries_.push_back(std::move(e));
  auto& added = entries_.back();
  if (have_list_) follow(added, last_list_);
  return added;
}

void use_table::set_active(use_entry& e, bool active) {
  e.cfg.active = active;
  if (!active) {
    stop(e, use_state::inactive, "closed");
    e.links->close_all();
    return;
  }
  if (e.state != use_state::inactive) return;
  e.state = e.cfg.serveid == 0 ? use_state::no_serveid : use_state::standby;
  if (have_list_) follow(e, last_list_);
}

void use_table::remove(std::uint64_t id) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.id == id; });
  if (it == entries_.end()) return;
  stop(*it, use_state::inactive, "removed");
  it->links->close_all();
  entries_.erase(it);
}

use_entry* use_table::find_key(const std::string& key) {
  for (auto& e : entries_)
    if (e.cfg.key == key) return &e;
  return nullptr;
}

use_entry* use_table::find_ref(const std::string& ref) {
  if (auto* e = find_key(ref)) return e;
  std::uint16_t id = 0;
  if (check_serveid("serveid", ref, id, false)) return nullptr;  // not a serveid either
  for (auto& e : entries_)
    if (e.cfg.serveid == id) return &e;
  return nullptr;
}

void use_table::on_serve_list(const protocol::serve_list& list) {
  last_list_ = list;
  have_list_ = true;
  std::vector<std::uint64_t> gone;
  for (auto& e : entries_) {
    bool was_open = e.state == use_state::listening || e.state == use_state::port_busy;
    follow(e, list);
    if (e.temporary && was_open && e.state == use_state::standby) gone.push_back(e.id);
  }
  // An unserve's use is for that one serve: its id may be handed to another.
  for (auto id : gone) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& u) { return u.id == id; });
    spdlog::info("use {} removed: serveid {:03} is no longer offered", it->cfg.key, it->cfg.serveid);
    remove(id);
  }
}

void use_table::retry() {
  if (!have_list_) return;
  for (auto& e : entries_) follow(e, last_list_);
}

void use_table::follow(use_entry& e, const protocol::serve_list& list) {
  if (e.state == use_state::inactive || e.state == use_state::no_serveid) return;
  auto it = std::find_if(list.serves.begin(), list.serves.end(),
                         [&](const auto& s) { return s.serve.serveid == e.cfg.serveid; });
  if (it == list.serves.end()) {
    if (e.state == use_state::listening)
      stop(e, use_state::standby, fmt::format("serveid {:03} is no longer offered", e.cfg.serveid));
    else
      e.state = use_state::standby;
    return;
  }
  std::uint16_t port = e.cfg.any_port ? 0 : e.cfg.port ? e.cfg.port : it->serve.port;
  if (e.state == use_state::listening && (e.cfg.any_port || e.listen_port == port)) return;
  if (e.state == use_state::listening) stop(e, use_state::standby, "the served port changed");
  start(e, port);
}

void use_table::start(use_entry& e, std::uint16_t port) {
  auto acceptor = std::make_shared<net::tcp::acceptor>(ex_);
  e.listen_port = port;
  if (auto ec = net::listen(*acceptor, e.cfg.ip, port)) {
    // Logged once per streak; retried on the next serve list or tick.
    if (e.state != use_state::port_busy)
      spdlog::warn("use {} cannot listen on {}: {}", e.cfg.key, net::host_port(e.cfg.ip, port), ec.message());
    e.state = use_state::port_busy;
    e.reason = ec.message();
    return;
  }
  e.acceptor = acceptor;
  e.state = use_state::listening;
  e.reason.clear();
  net::error_code ignored;
  if (port == 0) port = e.listen_port = acceptor->local_endpoint(ignored).port();  // any_port
  spdlog::info("use {} listening on {} for serveid {:03}", e.cfg.key, net::host_port(e.cfg.ip, port),
               e.cfg.serveid);
  auto name = e.cfg.key;
  auto serveid = e.cfg.serveid;
  auto links = e.links;
  net::asio::co_spawn(
      ex_,
      [this, acceptor, name, serveid, links]() -> net::awaitable<void> {
        // Named, not temporaries: see net::write_frame on GCC 12.
        std::string what = "use " + name;
        std::function<void(net::tcp::socket)> on_accept = [&](net::tcp::socket s) {
          net::asio::co_spawn(ex_, carry(std::move(s), name, serveid, links),
                              net::log_exception{"use link"});
        };
        co_await net::accept_loop(*acceptor, std::move(what), std::move(on_accept));
      },
      net::log_exception{"use listener"});
}

void use_table::stop(use_entry& e, use_state next, const std::string& why) {
  if (e.acceptor) {
    net::error_code ignored;
    e.acceptor->close(ignored);
    e.acceptor.reset();
    spdlog::info("use {} stopped listening on {} ({})", e.cfg.key, net::host_port(e.cfg.ip, e.listen_port), why);
  }
  e.state = next;
}

void use_table::on_disconnected() {
  have_list_ = false;
  last_list_ = {};
  for (auto& e : entries_)
    if (e.state == use_state::listening || e.state == use_state::port_busy)
      stop(e, use_state::standby, "lost the route");
}

void use_table::close_all() {
  for (auto& e : entries_) {
    if (e.state == use_state::listening) stop(e, use_state::standby, "closing");
    e.links->close_all();
  }
}

net::awaitable<void> use_table::carry(net::tcp::socket client, std::string name,
                                      std::uint16_t serveid, std::shared_ptr<net::socket_set> links) {
  net::socket_set::guard g1(*links, client);
  net::socket_set::link counted(*links);
  if (!ctx_.session) co_return;  // lost the route since accepting: just close
  auto session = *ctx_.session;
  net::tcp::socket link(ex_);
  net::socket_set::guard g2(*links, link);
  if (auto ec = co_await net::dial(link, ctx_.route.ip, ctx_.route.port, ctx_.dial_timeout)) {
    spdlog::warn("use {}: link to serveid {:03} failed: cannot reach the route: {}", name, serveid,
                 ec.message());
    co_return;
  }
  auto open = protocol::encode(protocol::link_open{protocol::version, session.vnetid, session.token, serveid});
  if (auto ec = co_await net::write_frame(link, std::move(open))) {
    spdlog::warn("use {}: link to serveid {:03} failed: {}", name, serveid, ec.message());
    co_return;
  }
  // The client's first bytes wait in its socket until the route says the
  // other side is there; nothing is read from it before the relay.
  // Not a structured binding: GCC 12 mis-destroys those over a co_await result.
  net::frame_result answer = co_await net::read_frame(link, protocol::max_payload, ctx_.link_timeout);
  const auto& ec = answer.ec;
  const auto& msg = answer.msg;
  std::string why;
  if (ec)
    why = ec == net::asio::error::timed_out ? "no answer from the route" : ec.message();
  else if (auto* r = std::get_if<protocol::link_result>(&msg))
    why = r->ok ? "" : r->reason;
  else if (auto* e = std::get_if<protocol::error>(&msg))
    why = "route: " + e->message;
  else
    why = "unexpected answer from the route";
  if (!why.empty()) {
    spdlog::warn("use {}: link to serveid {:03} failed: {}", name, serveid, why);
    co_return;
  }
  auto st = co_await net::relay(client, link);
  spdlog::debug("use {}: link to serveid {:03} closed: {} bytes out, {} bytes in", name, serveid,
                st.a_to_b, st.b_to_a);
}

}  // namespace vnet
