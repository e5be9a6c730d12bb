// How a use opens one link for a client: a slot of the opening window, the
// serving vnet's link key as the route lists it (checked against the
// group's mac), a pooled link or a new one, then the 0-RTT use hello
// (net/secure). A member of use_table, kept apart from the table's
// bookkeeping of listeners and states in uses.cpp.
#include <optional>

#include <spdlog/spdlog.h>

#include "net/frame/frame_io.hpp"
#include "net/secure/secure_relay.hpp"
#include "text/printable.hpp"
#include "vnet/session/route_link.hpp"
#include "vnet/session/route_session.hpp"
#include "vnet/use/use_link.hpp"
#include "vnet/use/uses.hpp"

namespace vnet {

net::awaitable<void> use_table::open_link(net::tcp::socket client, std::string name,
                                      std::uint16_t serveid, std::shared_ptr<net::socket_set> links) {
  auto l = std::make_shared<use_link>(ex_, std::move(links), ctx_, name, serveid);
  l->plain = std::move(client);
  // Held (not refused) while the window is full: its slot is this link's
  // until the serving side has answered, when this coroutine ends.
  opening_window::slot slot = co_await opening_.enter(ctx_.link_timeout);
  if (!slot) {
    if (ctx_.may_log("link failure"))
      spdlog::warn("use {}: link to serveid {:03} failed: {} links were opening and none finished within {} s",
                   name, serveid, opening_window::default_size,
                   std::chrono::duration_cast<std::chrono::seconds>(ctx_.link_timeout).count());
    co_return;
  }
  // The session the link is for; looked at again after each wait.
  std::weak_ptr<route_session> session = ctx_.session_handle();
  if (session.expired()) co_return;  // lost the route since accepting: just close
  // Links are encrypted to the serving vnet's link key as the route lists
  // it; its mac under the group's key shows the route did not swap it.
  const protocol::listed_serve* listed = find_listed(serveid);
  if (!listed) {
    if (ctx_.may_log("link failure"))
      spdlog::warn("use {}: link to serveid {:03} failed: it is no longer offered", name, serveid);
    co_return;
  }
  if (!crypto::verify_link_key(ctx_.group.mac_key, listed->key)) {
    if (ctx_.may_log("link failure"))
      spdlog::warn("use {}: link to serveid {:03} refused: the route listed a link key for serve {:03} "
                 "that this group's key did not sign: a different group_key, or tampering",
                 name, serveid, serveid);
    co_return;
  }
  const protocol::link_key serve_key = listed->key;
  net::tcp::socket& link = l->link;
  crypto::key32 secret{};
  std::vector<std::uint8_t> bind;
  // A pooled link is open and authenticated already: link_bind rides with
  // the hello and the first bytes, and no round trip is spent on the route.
  // The same session as checked above: nothing was awaited since.
  std::optional<pooled_link> pooled = ctx_.session()->take_idle_link();
  if (pooled) {
    link = std::move(pooled->socket);
    secret = pooled->secret;
    crypto::wipe(pooled->secret);
    bind = protocol::encode(protocol::link_bind{serveid});
  } else {
    spdlog::debug("use {}: no idle pooled link; opening a link to serveid {:03}", name, serveid);
    route_opening what = use_opening{serveid};
    outcome::result<crypto::key32> opened = co_await open_route_link(link, ctx_, session, std::move(what));
    if (!opened) {
      if (ctx_.may_log("link failure"))
        spdlog::warn("use {}: link to serveid {:03} failed: {}", name, serveid, opened.why());
      co_return;
    }
    secret = *opened;
    crypto::wipe(*opened);
  }
  // 0-RTT: the use hello and the client's first bytes, encrypted to the
  // serving vnet's key, follow the opening (or ride with link_bind) at once;
  // the route's answer is read (through await_paired) before anything comes back.
  net::secure::await_paired_fn await_paired = [this](net::tcp::socket& link) -> net::awaitable<outcome::status> {
    // Not a structured binding: GCC 12 mis-destroys those over a co_await result.
    net::frame::frame_result answer = co_await net::frame::read_frame(link, protocol::max_payload, ctx_.link_timeout);
    const auto& ec = answer.ec;
    const auto& msg = answer.msg;
    if (ec) co_return outcome::fail(ec == net::asio::error::timed_out ? "no answer from the route" : ec.message());
    if (auto* r = std::get_if<protocol::link_result>(&msg)) {
      if (r->ok) co_return outcome::status{};
      co_return outcome::fail(text::printable(r->reason));
    }
    if (auto* e = std::get_if<protocol::error>(&msg)) co_return outcome::fail("route: " + text::printable(e->message));
    co_return outcome::fail("unexpected answer from the route");
  };
  net::secure::use_params params{ctx_.group, secret, serve_key, std::move(bind)};
  params.serveid = serveid;  // bound into the keys: the serving vnet must hold the link for this serve
  crypto::wipe(secret);
  l->opening();
  // Returns once the serve hello is in (or the link failed); the link runs on
  // by itself and counted_link logs its end.
  co_await net::secure::open_use(std::move(l), std::move(params), std::move(await_paired));
}

}  // namespace vnet
