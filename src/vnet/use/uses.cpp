#include "vnet/use/uses.hpp"

#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "net/listen.hpp"
#include "net/spawn.hpp"
#include "text/printable.hpp"
#include "vnet/session/route_session.hpp"
#include "vnet/use/standby_reason.hpp"

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

use_table::use_table(net::asio::any_io_executor ex, route_context& ctx)
    : ex_(ex), ctx_(ctx), standby_log_timer_(ex) {}

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
  if (const auto* list = current_list())
    follow(added, *list);
  else if (added.state == use_state::standby)
    added.reason = "not connected to the route";
  return added;
}

void use_table::set_active(use_entry& e, bool active) {
  e.cfg.active = active;
  if (!active) {
    stop(e, use_state::inactive, "closed");
    e.reason.clear();
    e.links->close_all();  // a closed use relays nothing any more
    return;
  }
  if (e.state != use_state::inactive) return;
  e.state = e.cfg.serveid == 0 ? use_state::no_serveid : use_state::standby;
  if (const auto* list = current_list())
    follow(e, *list);
  else if (e.state == use_state::standby)
    e.reason = "not connected to the route";
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

const protocol::serve_list* use_table::current_list() const {
  const route_session* s = ctx_.session();
  return s ? s->serve_list() : nullptr;
}

const protocol::serve_list& use_table::serve_list() const {
  static const protocol::serve_list none;
  const auto* list = current_list();
  return list ? *list : none;
}

void use_table::follow_list() {
  const auto* list = current_list();
  if (!list) return;
  for (auto& e : entries_) follow(e, *list);
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
    stand_by(e, list);
    return;
  }
  note_owner(e, *it);
  // The type is the serve's: a use that says otherwise stands by, saying why.
  const std::string& type = it->serve.type;
  if (type != "tcp" && type != "udp") {
    if (e.state == use_state::listening) stop(e, use_state::standby, "the serve's type changed");
    e.state = use_state::standby;
    auto what = fmt::format("serveid {:03} is of type '{}', which this vnet cannot carry", e.cfg.serveid,
                            text::printable(type));
    stand_by_for(e, what, what);
    return;
  }
  if (!e.cfg.type.empty() && e.cfg.type != type) {
    if (e.state == use_state::listening) stop(e, use_state::standby, "the serve's type changed");
    e.state = use_state::standby;
    auto what = fmt::format("serveid {:03} is a {} serve, and this use says type={}", e.cfg.serveid, type, e.cfg.type);
    auto reason = what + " (remove type, or set it to " + type + ")";
    stand_by_for(e, std::move(what), std::move(reason));
    return;
  }
  std::uint16_t port = e.cfg.any_port ? 0 : e.cfg.port ? e.cfg.port : it->serve.port;
  if (e.state == use_state::listening && e.type == type && (e.cfg.any_port || e.listen_port == port)) return;
  if (e.state == use_state::listening)
    stop(e, use_state::standby, e.type != type ? "the serve's type changed" : "the served port changed");
  start(e, port, type);
}

void use_table::stand_by(use_entry& e, const protocol::serve_list& list) {
  // A typo in serveid or group looks like this: say so, once per change of
  // reason rather than at every push of the list.
  const std::uint32_t self = ctx_.session() ? ctx_.session()->vnetid() : 0;
  const bool keyed = !ctx_.cfg.group_key.empty();
  auto [what, reason] = explain_standby(e.cfg.serveid, ctx_.cfg.group, keyed, list, self);
  stand_by_for(e, std::move(what), std::move(reason));
}

void use_table::stand_by_for(use_entry& e, std::string what, std::string reason) {
  if (!e.reason.starts_with(what)) e.standby_since = std::chrono::steady_clock::now();
  e.reason = std::move(reason);
  e.standby_what = std::move(what);
  if (standby_log_armed_ || e.standby_logged == e.standby_what) return;
  arm_standby_log(e.standby_since + standby_log_delay);
}

void use_table::arm_standby_log(std::chrono::steady_clock::time_point when) {
  standby_log_armed_ = true;
  standby_log_timer_.expires_at(when);
  standby_log_timer_.async_wait([this](net::error_code ec) {
    standby_log_armed_ = false;
    if (!ec) log_standby_reasons();
  });
}

void use_table::log_standby_reasons() {
  const auto now = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> next;
  for (auto& e : entries_) {
    if (e.state != use_state::standby || e.standby_what.empty()) continue;
    if (!e.reason.starts_with(e.standby_what) || e.standby_logged == e.standby_what) continue;
    const auto due = e.standby_since + standby_log_delay;
    if (due > now) {
      if (!next || due < *next) next = due;
      continue;
    }
    spdlog::info("use {}: {}", e.cfg.key, e.reason);
    e.standby_logged = e.standby_what;
  }
  if (next) arm_standby_log(*next);
}

void use_table::note_owner(use_entry& e, const protocol::listed_serve& s) {
  // Another vnet may take the serveid over (its static serve was refused
  // while the first one held it): the use now reaches a different machine.
  // The route may give a leaving vnet's id to the next one: the name counts.
  if (e.served_by != 0 && (e.served_by != s.vnetid || e.served_by_name != s.vnet_name))
    spdlog::info("use {}: serveid {:03} is now served by vnet {:02} ({}), was {:02} ({})", e.cfg.key,
                 e.cfg.serveid, s.vnetid, text::printable(s.vnet_name), e.served_by,
                 text::printable(e.served_by_name));
  e.served_by = s.vnetid;
  e.served_by_name = s.vnet_name;
}

void use_table::start(use_entry& e, std::uint16_t port, const std::string& type) {
  e.type = type;
  if (type == "udp") return start_udp(e, port);
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
  e.standby_logged.clear();
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
        // Named, not temporaries: see net::frame::write_frame on GCC 12.
        std::string what = "use " + name;
        std::function<void(net::tcp::socket)> on_accept = [&](net::tcp::socket s) {
          net::asio::co_spawn(ex_, open_link(std::move(s), name, serveid, links),
                              net::log_exception{"use link"});
        };
        co_await net::accept_loop(*acceptor, std::move(what), std::move(on_accept));
      },
      net::log_exception{"use listener"});
}

void use_table::start_udp(use_entry& e, std::uint16_t port) {
  auto name = e.cfg.key;
  auto serveid = e.cfg.serveid;
  auto links = e.links;
  // Each client's flow is an ordinary use link whose plain socket is the
  // flow's end of a stream pair (vnet/use/udp_use.hpp).
  udp_use::open_link_fn open = [this, name, serveid, links](net::tcp::socket plain) {
    net::asio::co_spawn(ex_, open_link(std::move(plain), name, serveid, links), net::log_exception{"use link"});
  };
  auto udp = std::make_shared<udp_use>(ex_, ctx_, name, links, std::move(open));
  e.listen_port = port;
  outcome::result<std::uint16_t> bound = udp->listen(e.cfg.ip, port);
  if (!bound) {
    if (e.state != use_state::port_busy)
      spdlog::warn("use {} cannot listen on UDP {}: {}", e.cfg.key, net::host_port(e.cfg.ip, port), bound.why());
    e.state = use_state::port_busy;
    e.reason = bound.why();
    return;
  }
  e.udp = std::move(udp);
  e.state = use_state::listening;
  e.reason.clear();
  e.standby_logged.clear();
  e.listen_port = *bound;
  spdlog::info("use {} listening on UDP {} for serveid {:03}", e.cfg.key, net::host_port(e.cfg.ip, e.listen_port),
               e.cfg.serveid);
}

void use_table::stop(use_entry& e, use_state next, const std::string& why) {
  if (e.udp) {
    e.udp->close();
    e.udp.reset();
    spdlog::info("use {} stopped listening on UDP {} ({})", e.cfg.key, net::host_port(e.cfg.ip, e.listen_port), why);
  }
  if (e.acceptor) {
    net::error_code ignored;
    e.acceptor->close(ignored);
    e.acceptor.reset();
    spdlog::info("use {} stopped listening on {} ({})", e.cfg.key, net::host_port(e.cfg.ip, e.listen_port), why);
  }
  e.state = next;
}

const protocol::listed_serve* use_table::find_listed(std::uint16_t serveid) const {
  const auto* list = current_list();
  if (!list) return nullptr;
  for (const auto& s : list->serves)
    if (s.serve.serveid == serveid) return &s;
  return nullptr;
}

void use_table::on_disconnected() {
  for (auto& e : entries_) {
    if (e.state == use_state::listening || e.state == use_state::port_busy)
      stop(e, use_state::standby, "lost the route");
    if (e.state == use_state::standby) e.reason = "not connected to the route";
    e.standby_logged.clear();  // said again after the reconnect if still true
    // vnetids are the route's: after a reconnect they may mean other vnets.
    e.served_by = 0;
    e.served_by_name.clear();
  }
}

void use_table::close_all() {
  standby_log_timer_.cancel();  // a pending log line must not hold up shutdown
  for (auto& e : entries_) {
    if (e.state == use_state::listening) stop(e, use_state::standby, "closing");
    e.links->close_all();
  }
}

}  // namespace vnet
