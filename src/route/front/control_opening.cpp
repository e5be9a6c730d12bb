// The front door's control-session opening: TLS handshake, hello, admission
// (token, bans, sessions per address), then the session hub runs the
// session. Links open in front_door.cpp (open_plain): they are plaintext,
// encrypted end to end inside.
#include <optional>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "crypto/group_proof.hpp"
#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/spawn.hpp"
#include "protocol/error.hpp"
#include "route/error_frame.hpp"
#include "route/front/address_prefix.hpp"
#include "route/front/first_record.hpp"
#include "route/front/session_count.hpp"
#include "route/front/front_door.hpp"
#include "route/peer_log.hpp"
#include "text/printable.hpp"

using namespace boost::asio::experimental::awaitable_operators;

namespace route {

outcome::status front_door::admit(const protocol::control_hello& hello, net::tls::tls_stream& s) const {
  // Read at each hello: a reload may have set, changed or removed it.
  const std::string& token = cfg_.token;
  if (!token.empty()) {  // else an open route: any token proof, or none
    if (hello.auth.empty()) return outcome::fail("this route needs a token: set token= in [route]");
    if (!net::tls::admission_ok(token, hello.auth, s.native_handle()))
      return outcome::fail("admission refused: wrong token");
  }
  // A keyed group's id is no password (it is in this log and status.json):
  // its members prove the group key by signing this session.
  crypto::exported32 exported{};  // only a proof is checked against it
  if (hello.proof != protocol::group_proof{}) {
    auto got = net::tls::exported(s.native_handle(), crypto::group_exporter_label);
    if (!got) return outcome::fail("admission refused: TLS keying material could not be exported");
    exported = *got;
  }
  if (auto proven = crypto::check_group_proof(hello.group, hello.proof, exported); !proven)
    return outcome::fail("admission refused: " + proven.why());
  return {};
}

bool front_door::may_start_handshake(const std::string& address, const std::string& from) {
  const bool known = admission_.known(address);
  if (!handshakes_.allow(known, cfg_.limits.max_handshakes_per_second, std::chrono::steady_clock::now())) {
    stats_.limit_refused(limit::max_handshakes_per_second);
    stats_.connection_dropped(connection_drop::handshake_rate);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} closed before its TLS handshake: more than {} handshakes per second "
                   "from {} (raise [route] max_handshakes_per_second)",
                   from, cfg_.limits.max_handshakes_per_second,
                   known ? "addresses admitted before" : "addresses not admitted before");
    return false;
  }
  // Each pending handshake holds a TLS state: the oldest go first.
  const std::size_t max = cfg_.limits.max_pending_handshakes;
  while (handshaking_.size() >= max) {
    auto oldest = handshaking_.shed_oldest();
    if (!oldest) break;
    stats_.limit_refused(limit::max_pending_handshakes);
    stats_.connection_dropped(connection_drop::shed);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} closed: its TLS handshake was the oldest of {} unfinished "
                   "(raise [route] max_pending_handshakes)", *oldest, max);
  }
  return true;
}

net::awaitable<void> front_door::open_control(net::tcp::socket raw, std::string from, std::string address,
                                        std::chrono::steady_clock::time_point deadline) {
  {
    // Nothing is allocated for TLS until its first record (the ClientHello)
    // is all there: a connection that sends a few bytes and stalls costs
    // its socket and this frame.
    net::socket_set::guard guard(connections_, raw);
    unidentified::guard listed(unidentified_, raw, from);
    net::error_code rec = co_await await_first_record(raw, deadline);
    if (rec) {
      opening_failed(rec, from, "during handshake");
      co_return;
    }
  }
  if (!may_start_handshake(address, from)) co_return;
  net::tls::tls_stream s(std::move(raw), *tls_.context);
  net::socket_set::guard guard(connections_, s.next_layer());
  unidentified::guard listed(handshaking_, s.next_layer(), from);
  net::asio::steady_timer timer(ex_, deadline);
  auto hs = co_await (s.async_handshake(net::tls::ssl::stream_base::server, net::use_nothrow) ||
                      timer.async_wait(net::use_nothrow));
  net::error_code hec = hs.index() == 1 ? net::error_code(net::asio::error::timed_out) : std::get<0>(std::get<0>(hs));
  if (hec) {
    if (hec == net::asio::error::timed_out) stats_.connection_dropped(connection_drop::timeout);
    else if (hec != net::asio::error::operation_aborted) stats_.connection_dropped(connection_drop::tls_failed);
    if (hec != net::asio::error::operation_aborted && peer_log_.allow(handshakes_subject, "warning")) {
      if (hec == net::asio::error::timed_out)
        spdlog::warn("connection from {} dropped: no TLS handshake within {} ms", from,
                     net::to_ms(cfg_.handshake_timeout).count());
      else
        spdlog::warn("connection from {} dropped: TLS handshake failed: {}", from, hec.message());
    }
    co_return;
  }
  const auto left =
      std::max<net::duration>(deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(1));
  net::frame::frame_result opening = co_await net::frame::read_frame(s, protocol::max_opening_payload, left);
  listed.release();
  const auto& rec = opening.ec;
  if (rec == net::tls::ssl::error::stream_truncated || rec == net::asio::error::eof ||
      rec == net::asio::error::connection_reset) {
    // Gone between the handshake and the hello: what a vnet does when it
    // does not trust the route's key. "stream truncated" would say nothing.
    stats_.connection_dropped(connection_drop::closed);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} closed by the peer after it saw the route's key, before its hello: a vnet "
                   "does this when the route's key changed or its fingerprint= pin is wrong (its log says which)",
                   from);
    co_return;
  }
  if (rec) {
    auto frame = opening_failed(rec, from, "after the TLS handshake");
    if (!frame.empty()) co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  auto* hello = std::get_if<protocol::control_hello>(&opening.msg);
  if (!hello) {
    stats_.connection_dropped(connection_drop::wrong_opening);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("connection from {} dropped: it opened its TLS session with {}", from,
                   protocol::name_of(protocol::type_of(opening.msg)));
    auto frame = error_frame(protocol::errc::unexpected_message, "a control session must open with control_hello");
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  if (hello->version != protocol::version) {
    stats_.connection_dropped(connection_drop::version_mismatch);
    auto why = fmt::format("protocol version {} is not supported; this route speaks protocol {}",
                           hello->version, protocol::version);
    if (peer_log_.allow(handshakes_subject, "warning")) spdlog::warn("connection from {} dropped: {}", from, why);
    auto frame = error_frame(protocol::errc::version_mismatch, why);
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  if (auto admitted = admit(*hello, s); !admitted) {
    const std::string& why = admitted.why();
    // Nothing about groups: the answer is the same whatever was asked for.
    const std::string prefix = address_prefix(address);
    const admission_book::verdict ban = admission_.fail(address, prefix, std::chrono::steady_clock::now());
    stats_.admission_refused(address, hello->name);
    stats_.connection_dropped(connection_drop::refused);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("vnet '{}' from {} refused: {}", text::printable(hello->name), from, why);
    constexpr auto window_s = std::chrono::duration_cast<std::chrono::seconds>(admission_book::window).count();
    constexpr auto ban_s = std::chrono::duration_cast<std::chrono::seconds>(admission_book::ban).count();
    if (ban.address_banned)
      spdlog::warn("{}: {} failed admissions within {} s: its new sessions are refused for {} s "
                   "(links of admitted vnets still open)", address, admission_book::max_failures, window_s, ban_s);
    if (ban.prefix_banned)
      spdlog::warn("{}: {} failed admissions from its addresses within {} s: its new sessions are refused "
                   "for {} s (links of admitted vnets still open)", prefix, admission_book::max_prefix_failures,
                   window_s, ban_s);
    if (ban.strained)
      spdlog::warn("route: {} failed admissions within {} s from all addresses: for {} s only addresses "
                   "admitted before may open new sessions", admission_book::max_total_failures, window_s,
                   window_s);
    auto frame = refusal_frame(why);
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  // Its token was right (or none is asked): let in while failures from
  // elsewhere have spent the route's budget (admission_book).
  admission_.admitted(address);
  // Read at each hello: a reload may have changed them. Per address, and
  // per network: rotating addresses within one network (an IPv6 /64 holds
  // 2^64 of them) must not multiply the per-address bound.
  const unsigned max_sessions = cfg_.limits.max_sessions_per_address;
  const unsigned max_network = cfg_.limits.max_sessions_per_network;
  const std::string network = address_prefix(address);
  auto held = sessions_per_address_.find(address);
  auto in_network = sessions_per_network_.find(network);
  std::optional<limit_refusal> over;
  if (held != sessions_per_address_.end() && held->second >= max_sessions)
    over = limit_refusal{limit::max_sessions_per_address,
                         fmt::format("at most {} vnets may connect from {} (raise [route] max_sessions_per_address)",
                                     max_sessions, address)};
  else if (in_network != sessions_per_network_.end() && in_network->second >= max_network)
    over = limit_refusal{limit::max_sessions_per_network,
                         fmt::format("at most {} vnets may connect from network {} "
                                     "(raise [route] max_sessions_per_network)",
                                     max_network, network)};
  if (over) {
    stats_.limit_refused(over->key);
    stats_.connection_dropped(connection_drop::session_limit);
    if (peer_log_.allow(handshakes_subject, "warning"))
      spdlog::warn("vnet '{}' from {} refused: {}", text::printable(hello->name), from, over->text);
    auto frame = error_frame(protocol::errc::too_many_vnets, over->text);
    co_await net::frame::write_frame(s, std::move(frame));
    co_return;
  }
  // Counted for the session's lifetime, however it ends; counted here, before
  // the next hello is read, and released by the session.
  session_counts counts{session_count(sessions_per_address_, address), session_count(sessions_per_network_, network)};
  connections_.remove(s.next_layer());  // the session owns it now; stop() closes sessions
  // The session runs on callbacks: this frame (the handshake's and the
  // hello's state) ends here, and no coroutine frame lives as long as it.
  sessions_.start_session(std::move(s), std::move(*hello), std::move(counts));
}

}  // namespace route
