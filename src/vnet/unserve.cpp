#include "vnet/unserve.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/dial.hpp"
#include "net/endpoint.hpp"
#include "net/spawn.hpp"
#include "net/time.hpp"
#include "vnet/unserve_policy.hpp"

namespace vnet {

unserve_host::unserve_host(net::asio::any_io_executor ex, route_context& ctx, serve_table& serves,
                           const config::vnet_config& cfg)
    : ex_(ex), ctx_(ctx), serves_(serves), cfg_(cfg) {}

std::size_t unserve_host::alive() const {
  std::size_t n = checking_;
  for (const auto& e : serves_.entries()) n += e.temporary;
  return n;
}

void unserve_host::refuse(const protocol::unserve_request& r, const std::string& why) {
  spdlog::info("unserve request from vnet {:02} for {} refused: {}", r.vnetid,
               net::host_port(r.ip, r.port), why);
  if (ctx_.session) ctx_.send(protocol::unserve_result{r.request_id, false, 0, why});
}

void unserve_host::on_request(const protocol::unserve_request& r) {
  // The same service asked again while its unserve lives: hand out that one.
  for (const auto& e : serves_.entries()) {
    if (e.temporary && e.cfg.ip == r.ip && e.cfg.port == r.port && e.state == serve_state::registered) {
      spdlog::info("unserve {:03} for vnet {:02}: {} (already served)", e.serveid, r.vnetid,
                   net::host_port(r.ip, r.port));
      ctx_.send(protocol::unserve_result{r.request_id, true, e.serveid, {}});
      return;
    }
  }
  auto why = unserve_refusal(cfg_, alive(), r.ip);
  if (!why.empty()) return refuse(r, why);
  ++checking_;
  net::asio::co_spawn(ex_, accept(r), net::log_exception{"unserve"});
}

net::awaitable<void> unserve_host::accept(protocol::unserve_request r) {
  // Something must answer there, or the requester would map a dead port.
  net::tcp::socket probe(ex_);
  auto ec = co_await net::dial(probe, r.ip, r.port, ctx_.dial_timeout);
  --checking_;
  if (ec) {
    refuse(r, fmt::format("cannot reach {}: {}", net::host_port(r.ip, r.port), ec.message()));
    co_return;
  }
  net::error_code ignored;
  probe.close(ignored);
  if (!ctx_.session) co_return;  // the route is gone, and with it the request

  config::serve_config cfg;
  cfg.key = "unserve-" + net::host_port(r.ip, r.port);
  cfg.name = cfg.key;
  cfg.ip = r.ip;
  cfg.port = r.port;
  cfg.info = fmt::format("unserve for vnet {:02}", r.vnetid);
  auto& e = serves_.add(cfg);
  e.temporary = true;
  e.for_vnet = r.vnetid;
  e.reply_to = r.request_id;
  arm(e.id, cfg_.unserve_unused_timeout, "unused");
}

void unserve_host::arm(std::uint64_t id, config::seconds after, const char* why) {
  auto timer = std::make_shared<net::asio::steady_timer>(ex_, net::to_duration(after));
  if (auto old = expiry_.find(id); old != expiry_.end()) old->second->cancel();
  expiry_[id] = timer;
  timer->async_wait([this, id, timer, after, why](const net::error_code& ec) {
    if (ec) return;  // cancelled: used again, or removed
    expiry_.erase(id);
    auto* e = serves_.find(id);
    if (!e) return;
    spdlog::info("unserve {:03} ({}) expired: {} for {} s", e->serveid,
                 net::host_port(e->cfg.ip, e->cfg.port), why, after.count());
    serves_.remove(id);
  });
}

void unserve_host::on_links(std::uint64_t id, std::size_t live) {
  auto* e = serves_.find(id);
  if (!e || !e->temporary) return;
  if (live > 0) {
    if (auto it = expiry_.find(id); it != expiry_.end()) {
      it->second->cancel();
      expiry_.erase(it);
    }
  } else {
    arm(id, cfg_.unserve_idle_timeout, "idle");
  }
}

void unserve_host::cancel_all() {
  for (auto& [id, t] : expiry_) t->cancel();
  expiry_.clear();
}

}  // namespace vnet
