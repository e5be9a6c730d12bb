// The link broker's pairing: a use side, its ticket spent, gets its serving
// side, on an idle serve-role pooled link of the serving vnet (link_assign)
// or else by asking that vnet over its session (link_request, then its
// link_join); then the pair is relayed (link_relay.cpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/secret.hpp"
#include "net/frame/frame_io.hpp"
#include "net/spawn.hpp"
#include "route/links/link_broker.hpp"
#include "route/peer_log.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"

namespace route {
namespace {

using text::plural;

}  // namespace

net::awaitable<void> link_broker::answer_not_opened(net::tcp::socket& s, link_failure reason,
                                                    const std::string& why, const std::string& group) {
  stats_.link_failed(reason, group);
  auto frame = protocol::encode(protocol::link_result{false, why});
  co_await net::frame::write_frame(s, std::move(frame));
}

net::awaitable<void> link_broker::pair_use_side(net::tcp::socket& s, std::uint32_t use_vnet,
                                                std::uint16_t serveid, protocol::key32 secret,
                                                std::chrono::steady_clock::time_point opened) {
  const std::string group = registry_.find_vnet(use_vnet)->group;
  const serve_entry* target = registry_.find_serve(group, serveid);
  if (!target || !sessions_.contains(target->vnetid)) {
    auto why = fmt::format("serveid {:03} is not served in group '{}'", serveid, text::printable(group));
    if (peer_log_.allow(peer_subject(use_vnet), "refusal"))
      spdlog::info("link from vnet {:02} refused: {}", use_vnet, why);
    co_await answer_not_opened(s, link_failure::no_such_serve, why, group);
    co_return;
  }
  const std::uint32_t serve_vnet = target->vnetid;
  // Quotas read now: a reload applies to the next link at once.
  if (auto quota = links_.within_quotas(use_vnet, serve_vnet, serveid, cfg_.limits); !quota) {
    stats_.limit_refused(quota.error().key);
    if (peer_log_.allow(peer_subject(use_vnet), "refusal"))
      spdlog::warn("link from vnet {:02} refused: {}", use_vnet, quota.why());
    co_await answer_not_opened(s, link_failure::quota, quota.why(), group);
    co_return;
  }
  link_ends ends{use_vnet, serve_vnet, serveid, 0, "pool", group};
  std::optional<net::tcp::socket> peer = co_await assign_idle(ends, secret);
  if (!peer) {
    ends.path = "dial";
    peer = co_await dial_serving(s, ends, secret);
    if (!peer) co_return;
  }
  // The link's own coroutine from here: the frames of its setup (this one,
  // the opening's) end now, so a link open for hours holds only what
  // relaying needs (README, Performance: memory per idle link).
  connections_.remove(s);
  net::asio::co_spawn(ex_, relay_link(std::move(s), std::move(*peer), ends, opened),
                      net::log_exception{"route link"});
}

net::awaitable<std::optional<net::tcp::socket>> link_broker::assign_idle(link_ends& ends,
                                                                          const protocol::key32& secret) {
  for (;;) {
    auto pick = idle_.take_serve(ends.serve_vnet);
    if (pick.dropped > 0)
      spdlog::debug("vnet {:02}: {} idle serve link{} found closed and dropped", ends.serve_vnet,
                    pick.dropped, plural(pick.dropped));
    auto& idle = pick.taken;
    if (!idle) co_return std::nullopt;
    net::tcp::socket peer = std::move(idle->socket);
    ends.link_id = links_.next_id();
    protocol::link_assign assign{ends.link_id, ends.serveid,
                                 crypto::seal_link_secret(idle->secret, ends.link_id, ends.serveid, secret)};
    crypto::wipe(idle->secret);
    auto frame = protocol::encode(assign);
    auto ec = co_await net::frame::write_frame(peer, std::move(frame));
    if (!ec) co_return std::optional<net::tcp::socket>(std::move(peer));
    spdlog::debug("vnet {:02}: idle serve link failed at its assignment: {}", ends.serve_vnet,
                  ec.message());
  }
}

net::awaitable<std::optional<net::tcp::socket>> link_broker::dial_serving(net::tcp::socket& s, link_ends& ends,
                                                                           const protocol::key32& secret) {
  session* serving = sessions_.find(ends.serve_vnet);
  if (!serving) {
    // It left while an idle link of its was tried (assign_idle awaits).
    const auto why = fmt::format("vnet {:02} disconnected", ends.serve_vnet);
    log_failed(ends, why);
    co_await answer_not_opened(s, link_failure::refused, why, ends.group);
    co_return std::nullopt;
  }
  auto& p = links_.create(ex_, ends.use_vnet, ends.serve_vnet, ends.serveid, secret,
                          net::to_duration(cfg_.link_timeout));
  ends.link_id = p.id;
  serving->send(protocol::link_request{p.id, ends.serveid, secret});
  co_await p.signal.async_wait(net::use_nothrow);
  if (p.peer && !stopping_) {
    std::optional<net::tcp::socket> peer(std::move(*p.peer));
    links_.forget(ends.link_id);
    co_return peer;
  }
  // The serving vnet could not take it (link_failed), left, or never joined.
  const link_failure reason = stopping_ ? link_failure::shutdown
                              : p.failure.empty() ? link_failure::timeout
                                                  : link_failure::refused;
  std::string why = !p.failure.empty() ? p.failure
                    : stopping_        ? "the route is shutting down"
                                       : fmt::format("vnet {:02} did not open its side within {} ms",
                                                     p.serve_vnet, net::to_ms(cfg_.link_timeout).count());
  log_failed(ends, why);
  links_.forget(ends.link_id);
  co_await answer_not_opened(s, reason, why, ends.group);
  co_return std::nullopt;
}

void link_broker::log_failed(const link_ends& ends, const std::string& why) {
  if (peer_log_.allow(peer_subject(ends.use_vnet), "failed link"))
    spdlog::info("link {} (vnet {:02} -> serveid {:03} on vnet {:02}) failed: {}", ends.link_id,
                 ends.use_vnet, ends.serveid, ends.serve_vnet, text::printable(why));
}

}  // namespace route
