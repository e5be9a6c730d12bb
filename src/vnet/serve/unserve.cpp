#include "vnet/serve/unserve.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/dial.hpp"
#include "net/endpoint.hpp"
#include "net/spawn.hpp"
#include "net/time.hpp"
#include "text/printable.hpp"
#include "vnet/serve/unserve_policy.hpp"

namespace vnet {
namespace {

// The request's type as a serve's: empty (a vnet before UDP, or tcp) is tcp.
std::string requested_type(const protocol::unserve_request& r) { return r.serve_type.empty() ? "tcp" : r.serve_type; }

}  // namespace

unserve_host::unserve_host(net::asio::any_io_executor ex, route_context& ctx, serve_table& serves)
    : ex_(ex), ctx_(ctx), serves_(serves) {
  serves_.on_links = [this](std::uint64_t id, std::size_t live) { on_links(id, live); };
  serves_.on_registered = [this](serve_entry& e) { on_registered(e); };
  serves_.on_refused = [this](serve_entry& e, const std::string& why) { return on_refused(e, why); };
}

std::size_t unserve_host::alive() const {
  std::size_t n = checking_;
  for (const auto& [id, u] : unserves_) n += serves_.find(id) != nullptr;
  return n;
}

unserve_host::unserve* unserve_host::find(std::uint64_t id) {
  auto it = unserves_.find(id);
  if (it == unserves_.end()) return nullptr;
  if (!serves_.find(id)) {  // deleted in the terminal
    if (it->second.expiry) it->second.expiry->cancel();
    unserves_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void unserve_host::refuse(const protocol::unserve_request& r, const std::string& why) {
  if (ctx_.may_log("unserve refusal"))
    spdlog::info("unserve request from vnet {:02} for {} refused: {}", r.vnetid,
                 text::printable(net::host_port(r.ip, r.port)), text::printable(why));
  ctx_.send(protocol::unserve_result{r.request_id, false, 0, why});
}

void unserve_host::on_request(const protocol::unserve_request& r) {
  const std::string type = requested_type(r);
  if (type != "tcp" && type != "udp") return refuse(r, fmt::format("unknown type '{}'", text::printable(r.serve_type)));
  // The same service asked again while its unserve lives: hand out that one,
  // and count the request as a use, or it would expire as unused meanwhile.
  for (auto& [id, u] : unserves_) {
    const auto* e = serves_.find(id);
    if (!e || e->cfg.ip != r.ip || e->cfg.port != r.port || e->cfg.type != type ||
        e->state != serve_state::registered)
      continue;
    if (ctx_.may_log("unserve request"))
      spdlog::info("unserve {:03} for vnet {:02}: {} (already served)", e->serveid, r.vnetid,
                   text::printable(net::host_port(r.ip, r.port)));
    ctx_.send(protocol::unserve_result{r.request_id, true, e->serveid, {}});
    if (u.expiry) arm(id, ctx_.cfg.unserve_unused_timeout, "unused");
    return;
  }
  if (outcome::status allowed = unserve_allowed(ctx_.cfg, alive(), r.ip); !allowed) return refuse(r, allowed.why());
  ++checking_;
  net::asio::co_spawn(ex_, accept(r), net::log_exception{"unserve"});
}

net::awaitable<void> unserve_host::accept(protocol::unserve_request r) {
  const std::string type = requested_type(r);
  // Something must answer there, or the requester would map a dead port. A
  // UDP service answers nothing unasked: it is taken on trust, and a flow
  // to a dead one logs its refusal (udp_flow.cpp).
  if (type == "tcp") {
    net::tcp::socket probe(ex_);
    const auto dial_timeout = ctx_.dial_timeout();
    auto ec = co_await net::dial(probe, r.ip, r.port, dial_timeout);
    if (ec) {
      --checking_;
      refuse(r, fmt::format("cannot reach {}: {}", net::host_port(r.ip, r.port), ec.message()));
      co_return;
    }
    net::error_code ignored;
    probe.close(ignored);
  }
  --checking_;
  if (!ctx_.session()) co_return;  // the route is gone, and with it the request

  config::serve_config cfg;
  cfg.key = "unserve-" + net::host_port(r.ip, r.port) + (type == "udp" ? "/udp" : "");
  cfg.type = type;
  cfg.name = cfg.key;
  cfg.ip = r.ip;
  cfg.port = r.port;
  cfg.info = fmt::format("unserve for vnet {:02}", r.vnetid);
  // Known before add(): add() may send the registration at once.
  auto id = serves_.add(cfg).id;
  unserves_[id] = unserve{r.vnetid, r.request_id, nullptr};
  arm(id, ctx_.cfg.unserve_unused_timeout, "unused");
}

void unserve_host::on_registered(serve_entry& e) {
  auto* u = find(e.id);
  if (!u) return;
  if (ctx_.may_log("unserve request"))
    spdlog::info("unserve {:03} for vnet {:02}: {}", e.serveid, u->for_vnet,
                 text::printable(net::host_port(e.cfg.ip, e.cfg.port)));
  e.cfg.serveid = e.serveid;  // ask for the same id after a reconnect
  if (u->reply_to) ctx_.send(protocol::unserve_result{u->reply_to, true, e.serveid, {}});
  u->reply_to = 0;
}

bool unserve_host::on_refused(serve_entry& e, const std::string& reason) {
  auto* u = find(e.id);
  if (!u) return false;
  spdlog::warn("unserve {} for vnet {:02} refused by the route: {}", text::printable(e.cfg.name), u->for_vnet,
               text::printable(reason));
  if (u->reply_to) ctx_.send(protocol::unserve_result{u->reply_to, false, 0, "the route refused: " + reason});
  if (u->expiry) u->expiry->cancel();
  unserves_.erase(e.id);
  serves_.remove(e.id);
  return true;
}

void unserve_host::arm(std::uint64_t id, config::seconds after, const char* why) {
  auto* u = find(id);
  if (!u) return;
  auto timer = std::make_shared<net::asio::steady_timer>(ex_, net::to_duration(after));
  if (u->expiry) u->expiry->cancel();
  u->expiry = timer;
  timer->async_wait([this, id, timer, after, why](const net::error_code& ec) {
    if (ec) return;  // cancelled: used again, asked again, or removed
    auto* u = find(id);
    if (!u || u->expiry != timer) return;
    auto* e = serves_.find(id);
    spdlog::info("unserve {:03} ({}) expired: {} for {} s", e->serveid,
                 text::printable(net::host_port(e->cfg.ip, e->cfg.port)), why, after.count());
    unserves_.erase(id);
    serves_.remove(id);
  });
}

void unserve_host::on_links(std::uint64_t id, std::size_t live) {
  auto* u = find(id);
  if (!u) return;
  if (live > 0) {
    if (u->expiry) u->expiry->cancel();
    u->expiry.reset();
  } else {
    arm(id, ctx_.cfg.unserve_idle_timeout, "idle");
  }
}

void unserve_host::drop_left_uses(use_table& uses) {
  std::vector<std::uint64_t> gone;
  for (const auto& u : uses.entries())
    if (u.temporary && u.state == use_state::standby && u.served_by != 0) gone.push_back(u.id);
  for (auto id : gone) {
    for (const auto& u : uses.entries())
      if (u.id == id) spdlog::info("use {} removed: serveid {:03} is no longer offered", u.cfg.key, u.cfg.serveid);
    uses.remove(id);
  }
}

void unserve_host::cancel_all() {
  for (auto& [id, u] : unserves_)
    if (u.expiry) u.expiry->cancel();
  unserves_.clear();
}

}  // namespace vnet
