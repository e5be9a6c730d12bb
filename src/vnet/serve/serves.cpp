#include "vnet/serve/serves.hpp"

#include "config/auto_limit.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/secret.hpp"
#include "crypto/serve_seal.hpp"
#include "net/dial.hpp"
#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/relay/relay.hpp"
#include "net/secure/secure_relay.hpp"
#include "net/spawn.hpp"
#include "text/printable.hpp"
#include "vnet/serve/udp_flow.hpp"
#include "vnet/session/counted_link.hpp"
#include "vnet/session/route_link.hpp"

namespace vnet {

const char* to_string(serve_state s) {
  switch (s) {
    case serve_state::inactive: return "inactive";
    case serve_state::unregistered: return "unregistered";
    case serve_state::pending: return "registering";
    case serve_state::registered: return "registered";
    case serve_state::refused: return "refused";
  }
  return "?";
}

serve_table::serve_table(net::asio::any_io_executor ex, route_context& ctx) : ex_(ex), ctx_(ctx) {}

void serve_table::load(const std::vector<config::serve_config>& serves) {
  entries_.clear();
  for (const auto& s : serves) add(s);
}

serve_entry& serve_table::add(const config::serve_config& cfg) {
  serve_entry e;
  e.id = next_id_++;
  e.cfg = cfg;
  e.state = cfg.active ? serve_state::unregistered : serve_state::inactive;
  entries_.push_back(std::move(e));
  auto& added = entries_.back();
  if (added.state == serve_state::unregistered && ctx_.session()) request_registration(added);
  return added;
}

void serve_table::unregister(serve_entry& e) {
  if (e.state == serve_state::registered) ctx_.send(protocol::serve_unregister{e.serveid});
  e.serveid = 0;
}

void serve_table::set_active(serve_entry& e, bool active) {
  e.cfg.active = active;
  if (!active) {
    if (e.state == serve_state::inactive) return;
    unregister(e);
    e.state = serve_state::inactive;
    e.reason.clear();
    e.links->close_all();  // a closed serve relays nothing any more
    return;
  }
  if (e.state != serve_state::inactive) return;
  e.state = serve_state::unregistered;
  if (ctx_.session()) request_registration(e);
}

void serve_table::remove(std::uint64_t id) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.id == id; });
  if (it == entries_.end()) return;
  unregister(*it);
  it->links->close_all();
  entries_.erase(it);
}

serve_entry* serve_table::find(std::uint64_t id) {
  for (auto& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

serve_entry* serve_table::find_key(const std::string& key) {
  for (auto& e : entries_)
    if (e.cfg.key == key) return &e;
  return nullptr;
}

void serve_table::request_registration(serve_entry& e) {
  e.request_id = next_request_++;
  e.state = serve_state::pending;
  // In a keyed group the route gets the serveid and a sealed blob only.
  protocol::serve_info info = crypto::seal_serve(
      ctx_.group, protocol::serve_info{e.cfg.serveid, e.cfg.name, e.cfg.type, e.cfg.ip, e.cfg.port, e.cfg.info});
  ctx_.send(protocol::serve_register{e.request_id, std::move(info)});
}

void serve_table::on_connected() {
  for (auto& e : entries_)
    if (e.state != serve_state::inactive) request_registration(e);
}

void serve_table::on_disconnected() {
  for (auto& e : entries_) {
    if (e.state == serve_state::inactive) continue;
    e.state = serve_state::unregistered;
    e.serveid = 0;
  }
}

void serve_table::on_result(const protocol::serve_result& r) {
  for (auto& e : entries_) {
    if (e.state != serve_state::pending || e.request_id != r.request_id) continue;
    e.reason = r.reason;
    if (r.ok) {
      e.state = serve_state::registered;
      e.serveid = r.serveid;
      spdlog::info("serve {} registered as serveid {:03}{}", text::printable(e.cfg.name), r.serveid,
                   r.reason.empty() ? "" : " (" + text::printable(r.reason) + ")");
      if (on_registered) on_registered(e);
    } else if (!on_refused || !on_refused(e, r.reason)) {
      // Not a repeat: a refused id is only retried once it left the group's
      // list, so a second refusal means another vnet took it meanwhile.
      spdlog::warn("serve {} refused: {}", text::printable(e.cfg.name), text::printable(r.reason));
      e.state = serve_state::refused;
    }
    return;  // on_refused may have removed e
  }
  // Closed or removed while its registration was on the way: undo it.
  if (r.ok) ctx_.send(protocol::serve_unregister{r.serveid});
}

void serve_table::retry_refused(const protocol::serve_list& list) {
  for (auto& e : entries_) {
    if (e.state != serve_state::refused) continue;
    bool taken = std::any_of(list.serves.begin(), list.serves.end(),
                             [&](const auto& s) { return s.serve.serveid == e.cfg.serveid; });
    if (!taken) request_registration(e);
  }
}

const serve_entry* serve_table::find_by_serveid(std::uint16_t serveid) const {
  for (const auto& e : entries_)
    if (e.state == serve_state::registered && e.serveid == serveid) return &e;
  return nullptr;
}

void serve_table::close_all_links() {
  for (auto& e : entries_) e.links->close_all();
}

outcome::result<serve_table::link_slot> serve_table::take_slot(const serve_entry& e) const {
  const unsigned max = config::links_per_serve(ctx_.cfg.max_links_per_serve);
  if (*e.slots_taken < max) return link_slot(e.slots_taken);
  // The reason goes to the route and the use side: in a keyed group the
  // serve's name is sealed from the route, so it is named by its serveid.
  const std::string serve = ctx_.group.keyed ? fmt::format("serveid {:03}", e.serveid)
                                             : fmt::format("serve '{}'", text::printable(e.cfg.name));
  return outcome::fail(fmt::format("vnet {} carries at most {} link{} to {} (raise [vnet] max_links_per_serve)",
                                   text::printable(ctx_.cfg.name), max, max == 1 ? "" : "s", serve));
}

void serve_table::on_link_request(const protocol::link_request& r) {
  const serve_entry* e = find_by_serveid(r.serveid);
  if (!e) {
    ctx_.send(protocol::link_failed{r.link_id, fmt::format("serveid {:03} is not served here", r.serveid)});
    return;
  }
  outcome::result<link_slot> slot = take_slot(*e);
  if (!slot) {
    if (ctx_.may_log("link refusal"))
      spdlog::warn("serve {}: link {} refused: {}", text::printable(e->cfg.name), r.link_id, slot.why());
    ctx_.send(protocol::link_failed{r.link_id, slot.why()});
    return;
  }
  spdlog::debug("serve {}: link {} requested (no idle pooled link at the route)", text::printable(e->cfg.name),
                r.link_id);
  net::asio::co_spawn(ex_, join_requested(e->id, r, std::move(*slot)), net::log_exception{"serve link"});
}

void serve_table::on_assign(pooled_link link, const protocol::link_assign& a) {
  // The route sealed the use side's secret under our pooled link's ticket
  // secret, for this link_id and serveid: only it (and we) could.
  std::optional<crypto::key32> secret = crypto::open_link_secret(link.secret, a.link_id, a.serveid, a.sealed);
  crypto::wipe(link.secret);
  if (!secret) {
    if (ctx_.may_log("link failure"))
      spdlog::warn("pooled link: the route's assignment of link {} to serveid {:03} does not authenticate; "
                 "link closed", a.link_id, a.serveid);
    return;  // closing is the answer: the route tells the use side
  }
  const serve_entry* e = find_by_serveid(a.serveid);
  if (!e) {
    crypto::wipe(*secret);
    auto why = fmt::format("serveid {:03} is not served here", a.serveid);
    net::asio::co_spawn(ex_, refuse(std::move(link.socket), std::move(why)), net::log_exception{"serve link"});
    return;
  }
  outcome::result<link_slot> slot = take_slot(*e);
  if (!slot) {
    crypto::wipe(*secret);
    if (ctx_.may_log("link refusal"))
      spdlog::warn("serve {}: link {} refused: {}", text::printable(e->cfg.name), a.link_id, slot.why());
    net::asio::co_spawn(ex_, refuse(std::move(link.socket), slot.why()), net::log_exception{"serve link"});
    return;
  }
  spdlog::debug("serve {}: link {} assigned to a pooled link", text::printable(e->cfg.name), a.link_id);
  net::asio::co_spawn(ex_, serve_link(e->id, a.link_id, std::move(link.socket), *secret, std::move(*slot)),
                      net::log_exception{"serve link"});
  crypto::wipe(*secret);
}

net::awaitable<void> serve_table::refuse(net::tcp::socket link, std::string why) {
  co_await net::secure::refuse_link(link, std::move(why));
}

net::awaitable<void> serve_table::join_requested(std::uint64_t id, protocol::link_request r, link_slot slot) {
  // `slot` counts this link against max_links_per_serve until the link ends.
  // Copy what we need: the entry may be closed or removed while we wait.
  auto* entry = find(id);
  if (!entry) {
    ctx_.send(protocol::link_failed{r.link_id, "the serve was just closed"});
    co_return;
  }
  auto name = entry->cfg.name;
  net::tcp::socket link(ex_);
  outcome::status dialled = co_await dial_route(link, ctx_);
  if (!dialled) {
    auto why = "cannot open a link to the route: " + dialled.why();
    if (ctx_.may_log("link failure"))
      spdlog::warn("serve {}: link {} failed: {}", text::printable(name), r.link_id, why);
    // Tell the waiting side now rather than let it time out.
    ctx_.send(protocol::link_failed{r.link_id, why});
    co_return;
  }
  requested_opening what{r.link_id, r.link_secret};
  outcome::result<crypto::key32> joined = co_await send_join(link, std::move(what));
  if (!joined) {
    if (ctx_.may_log("link failure"))
      spdlog::warn("serve {}: link {} failed: {}", text::printable(name), r.link_id, joined.why());
    co_return;
  }
  crypto::wipe(*joined);
  // From here as a pooled link's assignment: the use hello comes next.
  // Spawned, not awaited: no temporaries in a co_await (docs/architecture.md, GCC 12 co_await rule).
  net::asio::co_spawn(ex_, serve_link(id, r.link_id, std::move(link), r.link_secret, std::move(slot)),
                      net::log_exception{"serve link"});
}

// A served link for its whole life: the service and the link to the route,
// counted in the serve's socket_set (counted_link), and its slot under
// max_links_per_serve. Held by the link's pending waits once serve_link()
// has set it up and ended.
class serve_table::served_link final : public counted_link {
 public:
  // in = from the route, the use side's bytes; out = to it.
  served_link(const net::asio::any_io_executor& ex, serve_table& table, const serve_entry& e,
              std::uint64_t link_id, link_slot slot)
      : counted_link(ex, e.links, table.ctx_,
                     fmt::format("serve {}: link {}", text::printable(e.cfg.name), link_id), "in", "out"),
        table_(table),
        id_(e.id),
        slot_(std::move(slot)) {}

 private:
  void live_changed(std::size_t live) override {
    if (table_.on_links && table_.find(id_)) table_.on_links(id_, live);
  }

  serve_table& table_;
  std::uint64_t id_;
  link_slot slot_;  // counts against max_links_per_serve until the link ends
};

net::awaitable<void> serve_table::serve_link(std::uint64_t id, std::uint64_t link_id, net::tcp::socket link,
                                             crypto::key32 secret, link_slot slot) {
  auto* entry = find(id);
  if (!entry || entry->state != serve_state::registered) {
    crypto::wipe(secret);
    std::string why = "the serve was just closed";  // named: no temporaries in a co_await (GCC 12)
    co_await net::secure::refuse_link(link, std::move(why));
    co_return;
  }
  auto l = std::make_shared<served_link>(ex_, *this, *entry, link_id, std::move(slot));
  l->link = std::move(link);
  const auto service = std::make_pair(entry->cfg.ip, entry->cfg.port);
  const auto dial_timeout = ctx_.dial_timeout();
  // The use side's hello (its ephemeral key, to our link key) comes first;
  // the link secret, which only the two vnets and the route know, keys the
  // link to its ticket, and our group's psk keys it to the group. Only a
  // hello that passes gets the service dialled.
  // The serveid and link id go into the link's keys too: a route that
  // relabels the link (another serve of ours) gets a link that fails.
  net::secure::serve_params params{ctx_.group, secret, ctx_.keys};
  params.serveid = entry->serveid;
  params.link_id = link_id;
  crypto::wipe(secret);
  // The failure goes to the route and the use side as well: in a keyed group
  // the serve's address is sealed from the route, so it is named by serveid.
  const std::string where = ctx_.group.keyed ? fmt::format("the service of serveid {:03}", entry->serveid)
                                             : net::host_port(service.first, service.second);
  net::secure::dial_service_fn dial_service = [service, dial_timeout,
                                               where](net::tcp::socket& s) -> net::awaitable<outcome::status> {
    auto ec = co_await net::dial(s, service.first, service.second, dial_timeout);
    if (!ec) co_return outcome::status{};
    co_return outcome::fail(fmt::format("cannot reach {}: {}", where, ec.message()));
  };
  if (entry->cfg.type == "udp") {
    // The link's plain socket is the flow's end of a stream pair; the flow
    // keeps a UDP socket towards the service (vnet/serve/udp_flow.hpp).
    udp_flow_params flow{fmt::format("serve {}: link {}", text::printable(entry->cfg.name), link_id), service.first,
                         service.second, entry->links};
    dial_service = [flow, &ctx = ctx_](net::tcp::socket& s) -> net::awaitable<outcome::status> {
      udp_flow_params p = flow;
      co_return co_await open_udp_flow(s, ctx, std::move(p));
    };
  }
  l->opening();
  // Returns once the link runs (or failed); served_link::ended() logs its end.
  co_await net::secure::open_serve(std::move(l), std::move(params), std::move(dial_service));
}

}  // namespace vnet
