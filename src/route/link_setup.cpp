// The route's side of links: a use side arrives by link_open or by binding an
// idle pooled link (link_pool + link_bind); either way carry_link() finds the
// serving side, on an idle serve-role pooled link of the serving vnet
// (link_assign) or else by asking it over its session (link_request, then its
// link_join), and relays. The serving vnet answers each link with one
// link_result, which the route reads while the use side's first bytes
// already flow to it, and passes on to the use side.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/secret.hpp"
#include "net/endpoint.hpp"
#include "net/frame_io.hpp"
#include "net/relay.hpp"
#include "net/spawn.hpp"
#include "protocol/error.hpp"
#include "route/server.hpp"
#include "text/plural.hpp"
#include "text/printable.hpp"

namespace route {
namespace {

std::vector<std::uint8_t> error_frame(protocol::errc code, const std::string& text) {
  return protocol::encode(protocol::error{static_cast<std::uint16_t>(code), text});
}

// A link_result with the longest reason; nothing else may come first.
constexpr std::uint32_t max_result_payload = 1 + 2 + protocol::max_reason_bytes;

using text::plural;

}  // namespace

net::awaitable<void> server::refuse_link(net::tcp::socket& s, const char* reason,
                                         const std::string& why) {
  stats_.link_failed(reason);
  net::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (peer_log_.allow(handshakes, "warning"))
    spdlog::warn("link from {} refused: {}", ec ? "?" : net::to_string(ep), why);
  auto frame = error_frame(protocol::errc::unexpected_message, "link refused: " + why);
  co_await net::write_frame(s, std::move(frame));
}

server::spent_ticket server::spend_ticket(std::uint64_t id, const protocol::proof16& proof,
                                          const std::function<protocol::proof16(const protocol::key32&)>& expected) {
  // Spent whatever follows: an opening seen on the path, or replayed, finds
  // it gone (and a guesser gets one try per 64-bit id).
  auto ticket = tickets_.take(id);
  if (!ticket) return {0, {}, "unknown or already used ticket"};
  if (!crypto::proof_equal(expected(ticket->secret), proof)) return {0, {}, "wrong proof for its ticket"};
  if (!sessions_.contains(ticket->vnetid)) return {0, {}, "unknown or already used ticket"};
  return {ticket->vnetid, ticket->secret, {}};
}

net::awaitable<void> server::run_use_link(net::tcp::socket s, protocol::link_open open) {
  // Registered in connections_ (closed at shutdown) until paired.
  net::socket_set::guard guard(connections_, s);
  if (stopping_) co_return;
  const auto opened = std::chrono::steady_clock::now();
  auto ticket = spend_ticket(open.ticket_id, open.proof, [&](const protocol::key32& secret) {
    return crypto::open_proof(secret, open.ticket_id, open.serveid);
  });
  if (!ticket.why.empty()) {
    co_await refuse_link(s, "unknown_ticket", ticket.why);
    co_return;
  }
  co_await carry_link(s, ticket.vnetid, open.serveid, ticket.secret, opened);
}

net::awaitable<void> server::run_pooled_link(net::tcp::socket s, protocol::link_pool pool) {
  net::socket_set::guard guard(connections_, s);
  if (stopping_) co_return;
  auto ticket = spend_ticket(pool.ticket_id, pool.proof, [&](const protocol::key32& secret) {
    return crypto::pool_proof(secret, pool.ticket_id, pool.role);
  });
  if (!ticket.why.empty()) {
    co_await refuse_link(s, "unknown_ticket", ticket.why);
    co_return;
  }
  const auto role = static_cast<protocol::pool_role>(pool.role);
  if (role != protocol::pool_role::use && role != protocol::pool_role::serve) {
    const auto why = fmt::format("link_pool role {} is neither use (1) nor serve (2)", pool.role);
    co_await refuse_link(s, "unknown_ticket", why);
    co_return;
  }
  const std::uint32_t vnetid = ticket.vnetid;
  // Read now: a reload applies to the next pooled link at once.
  const unsigned max_idle = cfg_.limits.max_idle_links_per_vnet;
  if (idle_.count(vnetid) >= max_idle) {
    const auto why = fmt::format("vnet {:02} may hold at most {} idle pooled link{} "
                                 "(raise [route] max_idle_links_per_vnet)",
                                 vnetid, max_idle, plural(max_idle));
    stats_.link_failed("quota");
    stats_.limit_refused(why);
    if (peer_log_.allow(subject(vnetid), "refusal"))
      spdlog::warn("pooled link of vnet {:02} refused: {}", vnetid, why);
    auto frame = protocol::encode(protocol::error{0, why});
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  idle_links::scope idle(idle_, vnetid, role, ticket.secret, s);
  // Idle: no buffer, no deadline. It lives until its vnet uses or closes it,
  // or its session ends (idle_links::drop_vnet closes it).
  auto waited = co_await s.async_wait(net::tcp::socket::wait_read, net::use_nothrow);
  const net::error_code wec = std::get<0>(waited);
  if (idle.taken()) co_return;  // a use link took the socket (link_assign)
  idle.release();
  if (role == protocol::pool_role::serve || wec || stopping_) {
    // Readable while idle: the vnet closed it, the path broke it, or the
    // vnet wrote where it must not. The socket closes with this frame.
    spdlog::debug("idle {} link of vnet {:02} ended{}", role == protocol::pool_role::serve ? "serve" : "use",
                  vnetid, wec ? ": " + wec.message() : "");
    co_return;
  }
  const auto bound = std::chrono::steady_clock::now();
  net::frame_result r = co_await net::read_frame(s, protocol::max_opening_payload,
                                                 net::to_duration(cfg_.handshake_timeout));
  if (r.ec == net::asio::error::eof) co_return;  // the vnet retired it
  auto* bind = r.ec ? nullptr : std::get_if<protocol::link_bind>(&r.msg);
  if (!bind) {
    const std::string why =
        r.ec ? r.ec.message()
             : fmt::format("a pooled use link must bind with link_bind, not {}",
                           protocol::name_of(protocol::type_of(r.msg)));
    if (peer_log_.allow(subject(vnetid), "refusal"))
      spdlog::warn("pooled link of vnet {:02} dropped: {}", vnetid, why);
    auto frame = error_frame(protocol::errc::unexpected_message, why);
    if (!r.ec || r.ec.category() == protocol::category()) co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  if (!sessions_.contains(vnetid)) co_return;  // its session ended meanwhile
  co_await carry_link(s, vnetid, bind->serveid, ticket.secret, bound);
}

net::awaitable<void> server::carry_link(net::tcp::socket& s, std::uint32_t use_vnet,
                                        std::uint16_t serveid, protocol::key32 secret,
                                        std::chrono::steady_clock::time_point opened) {
  const std::string group = registry_.find_vnet(use_vnet)->group;
  const serve_entry* target = registry_.find_serve(group, serveid);
  if (!target || !sessions_.contains(target->vnetid)) {
    stats_.link_failed("no_such_serve");
    auto why = fmt::format("serveid {:03} is not served in group '{}'", serveid, text::printable(group));
    if (peer_log_.allow(subject(use_vnet), "refusal"))
      spdlog::info("link from vnet {:02} refused: {}", use_vnet, why);
    auto frame = protocol::encode(protocol::link_result{false, why});
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  const std::uint32_t serve_vnet = target->vnetid;
  // Quotas read now: a reload applies to the next link at once.
  if (auto why = links_.refusal(use_vnet, serve_vnet, serveid, cfg_.limits); !why.empty()) {
    stats_.link_failed("quota");
    stats_.limit_refused(why);
    if (peer_log_.allow(subject(use_vnet), "refusal"))
      spdlog::warn("link from vnet {:02} refused: {}", use_vnet, why);
    auto frame = protocol::encode(protocol::link_result{false, why});
    co_await net::write_frame(s, std::move(frame));
    co_return;
  }
  link_ends ends{use_vnet, serve_vnet, serveid, 0, "pool"};
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

// A paired link for its whole life: both sockets, its entry in the link
// table (which closes them when a vnet leaves or the route stops) and its
// traffic in stats_, counted as the bytes move.
class server::paired_link final : public net::relayed_pair {
 public:
  paired_link(const net::asio::any_io_executor& ex, server& route, const link_ends& ends, const std::string& group,
              net::tcp::socket use, net::tcp::socket serve)
      : relayed_pair(ex),
        route_(route),
        ends_(ends),
        active_(route.links_, ends.link_id, ends.use_vnet, ends.serve_vnet, ends.serveid, a, b) {
    a = std::move(use);
    b = std::move(serve);
    auto& live = route_.stats_.link_started(ends_.link_id, group, ends_.serveid);
    meter = {&live.a_to_b, &live.b_to_a};
  }
  ~paired_link() override { route_.stats_.link_ended(ends_.link_id); }

  const link_ends& ends() const { return ends_; }
  bool answered = false;  // the serving vnet's link_result said yes and went to the use side

 private:
  void ended(const net::relay_stats& st) override {
    if (!answered) return;  // pass_result logged why
    // Read when the link ends: a reload may have switched it.
    spdlog::log(route_.cfg_.log_links ? spdlog::level::info : spdlog::level::debug,
                "link {} (vnet {:02} -> serveid {:03} on vnet {:02}) closed {}", ends_.link_id, ends_.use_vnet,
                ends_.serveid, ends_.serve_vnet, net::link_summary(st, std::chrono::steady_clock::now() - started_));
  }

  server& route_;
  link_ends ends_;
  link_table::active_scope active_;  // from here the link table is the one owner that reaches both sockets
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

net::awaitable<void> server::relay_link(net::tcp::socket use, net::tcp::socket serve, link_ends ends,
                                        std::chrono::steady_clock::time_point opened) {
  // Spawned: a vnet may have left, or the route begun to stop, before this
  // ran; the link table did not reach these sockets then.
  const auto* user = registry_.find_vnet(ends.use_vnet);
  if (stopping_ || !user || !sessions_.contains(ends.serve_vnet)) co_return;
  auto link = std::make_shared<paired_link>(ex_, *this, ends, user->group, std::move(use), std::move(serve));
  spdlog::debug("link {} paired by {}: vnet {:02} -> serveid {:03} on vnet {:02}", ends.link_id,
                ends.path, ends.use_vnet, ends.serveid, ends.serve_vnet);
  // Runs while start_relay holds the link, so a plain pointer is safe.
  paired_link* l = link.get();
  net::relay_prelude answer = [this, l, opened] { return pass_result(l->a, l->b, l->ends(), opened, l->answered); };
  // Returns once the answer is passed on; the relay runs on by itself.
  co_await net::start_relay(std::move(link), std::move(answer));
}

net::awaitable<std::optional<net::tcp::socket>> server::assign_idle(link_ends& ends,
                                                                     const protocol::key32& secret) {
  for (;;) {
    std::size_t dropped = 0;
    auto idle = idle_.take_serve(ends.serve_vnet, dropped);
    if (dropped > 0)
      spdlog::debug("vnet {:02}: {} idle serve link{} found closed and dropped", ends.serve_vnet,
                    dropped, plural(dropped));
    if (!idle) co_return std::nullopt;
    net::tcp::socket peer = std::move(idle->socket);
    ends.link_id = links_.next_id();
    protocol::link_assign assign{ends.link_id, ends.serveid,
                                 crypto::seal_link_secret(idle->secret, ends.link_id, ends.serveid, secret)};
    crypto::wipe(idle->secret);
    auto frame = protocol::encode(assign);
    auto ec = co_await net::write_frame(peer, std::move(frame));
    if (!ec) co_return std::optional<net::tcp::socket>(std::move(peer));
    spdlog::debug("vnet {:02}: idle serve link failed at its assignment: {}", ends.serve_vnet,
                  ec.message());
  }
}

net::awaitable<std::optional<net::tcp::socket>> server::dial_serving(net::tcp::socket& s, link_ends& ends,
                                                                      const protocol::key32& secret) {
  auto serving = sessions_.at(ends.serve_vnet);
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
  stats_.link_failed(stopping_ ? "shutdown" : p.failure.empty() ? "timeout" : "refused");
  std::string why = !p.failure.empty() ? p.failure
                    : stopping_        ? "the route is shutting down"
                                       : fmt::format("vnet {:02} did not open its side within {} ms",
                                                     p.serve_vnet, net::to_ms(cfg_.link_timeout).count());
  log_failed(ends, why);
  links_.forget(ends.link_id);
  auto frame = protocol::encode(protocol::link_result{false, why});
  co_await net::write_frame(s, std::move(frame));
  co_return std::nullopt;
}

net::awaitable<bool> server::pass_result(net::tcp::socket& use, net::tcp::socket& serve,
                                         const link_ends& ends,
                                         std::chrono::steady_clock::time_point opened, bool& answered) {
  net::frame_result r =
      co_await net::read_frame(serve, max_result_payload, net::to_duration(cfg_.link_timeout));
  protocol::link_result result;
  const char* failure = nullptr;
  if (auto* got = r.ec ? nullptr : std::get_if<protocol::link_result>(&r.msg)) {
    result = std::move(*got);
    if (!result.ok) failure = "refused";
    if (!result.ok && result.reason.empty()) result.reason = "the serving vnet refused the link";
  } else if (stopping_) {
    failure = "shutdown";
    result.reason = "the route is shutting down";
  } else if (r.ec == net::asio::error::timed_out) {
    failure = "timeout";
    result.reason = fmt::format("vnet {:02} did not answer within {} ms", ends.serve_vnet,
                                net::to_ms(cfg_.link_timeout).count());
  } else if (r.ec && r.ec.category() != protocol::category()) {
    failure = "closed";
    result.reason = fmt::format("vnet {:02} closed the link before answering", ends.serve_vnet);
  } else {
    failure = "closed";
    result.reason = fmt::format("vnet {:02} broke the protocol: {}", ends.serve_vnet,
                                r.ec ? r.ec.message()
                                     : fmt::format("{} instead of link_result",
                                                   protocol::name_of(protocol::type_of(r.msg))));
  }
  if (failure) {
    stats_.link_failed(failure);
    log_failed(ends, result.reason);
  } else {
    result.reason.clear();
    ++stats_.links_opened[ends.path];
    stats_.setup_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count());
  }
  auto frame = protocol::encode(result);
  auto ec = co_await net::write_frame(use, std::move(frame));
  answered = !failure;
  co_return !failure && !ec;
}

void server::log_failed(const link_ends& ends, const std::string& why) {
  if (peer_log_.allow(subject(ends.use_vnet), "failed link"))
    spdlog::info("link {} (vnet {:02} -> serveid {:03} on vnet {:02}) failed: {}", ends.link_id,
                 ends.use_vnet, ends.serveid, ends.serve_vnet, text::printable(why));
}

void server::join_link(net::tcp::socket& s, const protocol::link_join& join,
                       const std::string& from) {
  if (!links_.join(join.link_id, join.proof, s) && peer_log_.allow(handshakes, "warning"))
    spdlog::warn("link join from {} refused: link {} is unknown, expired or already joined, or the "
                 "proof is wrong", from,
                 join.link_id);
  // On success the socket now belongs to the waiting use side; on failure it
  // closes when this coroutine ends.
}

}  // namespace route
