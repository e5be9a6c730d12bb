#include "vnet/session/client.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/serve_seal.hpp"
#include "net/frame/control_loop.hpp"
#include "net/dial.hpp"
#include "net/endpoint.hpp"
#include "net/frame/frame_io.hpp"
#include "net/time.hpp"
#include "text/printable.hpp"

namespace vnet {
namespace {

// "24 s", or "1.5 s" for what is not whole seconds (tests reconnect fast).
std::string seconds_text(refusal_backoff::duration d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000);
}

}  // namespace

client::client(net::asio::any_io_executor ex, config::vnet_config cfg, net::duration ticket_use_window)
    : ex_(ex),
      cfg_(std::move(cfg)),
      file_cfg_(cfg_),
      group_(crypto::derive_group(cfg_.group, cfg_.group_key)),
      link_keys_(std::make_shared<crypto::link_keys>(group_.mac_key)),
      ctx_(cfg_, group_, link_keys_, ticket_use_window),
      serves_(ex, ctx_),
      uses_(ex, ctx_),
      unserve_(ex, ctx_, serves_),
      retry_timer_(ex) {
  serves_.load(cfg_.serves);
  uses_.load(cfg_.uses);
  cfg_.serves.clear();  // the tables own them from here on
  cfg_.uses.clear();
  for (const auto& u : uses_.entries())
    if (u.state == use_state::no_serveid)
      spdlog::warn("use {} has no serveid: it will not be opened", u.cfg.key);
}

std::optional<std::uint32_t> client::vnetid() const {
  if (!ctx_.session()) return std::nullopt;
  return ctx_.session()->vnetid();
}

void client::stop() {
  stopping_ = true;
  end_session();
  uses_.close_all();
  serves_.close_all_links();
  unserve_.cancel_all();
  if (auto* session = ctx_.session()) session->fail_requests("vnet is stopping");
  wake_connect_waiters();
}

void client::wake_connect_waiters() {
  for (auto& t : connect_waiters_) t->cancel();
  connect_waiters_.clear();
}

void client::restart_session() {
  reconnect_now_ = true;
  end_session();
}

void client::end_session() {
  // run() sees the closed socket (or the cancelled wait) and decides what next.
  retry_timer_.cancel();
  if (socket_) {
    net::error_code ignored;
    socket_->close(ignored);
  }
}

net::awaitable<void> client::run() {
  // One line per failed attempt, saying why and that the vnet retries; the
  // same reason again is logged at debug level until another one comes.
  std::string last_logged;
  while (!stopping_) {
    reconnect_now_ = false;
    welcomed_ = false;
    refused_ = false;
    token_refused_ = false;
    const auto route = cfg_.route;  // reload may replace cfg_ while we dial
    const auto where = net::host_port(route.ip, route.port);
    const auto dial_timeout = ctx_.dial_timeout();
    // A fresh context per attempt: the system's CA files are read again
    // (an updated bundle, or SSL_CERT_FILE in tests).
    net::tls::ssl::context tls_ctx = net::tls::make_tls_context(net::tls::ssl::context::tls_client);
    net::error_code ignored;
    tls_ctx.set_default_verify_paths(ignored);
    // Checked after the handshake (start_tls): pin, CA or first use.
    tls_ctx.set_verify_mode(net::tls::ssl::verify_none);
    net::tls::tls_stream s(ex_, tls_ctx);
    socket_ = &s.next_layer();  // stop() and reload close it, also while dialling
    auto ec = co_await net::dial(s.next_layer(), route.ip, route.port, dial_timeout);
    std::string reason;
    if (stopping_) {
      socket_ = nullptr;
      break;
    }
    if (ec) {
      reason = fmt::format("cannot reach route {}: {}", where, ec.message());
    } else if (!reconnect_now_) {  // else: reload changed the route while we dialled
      outcome::status secured = co_await start_tls(s, route);
      if (!secured) reason = secured.why();
      if (secured && !reconnect_now_ && !stopping_) reason = co_await run_session(s);
      // Only a welcome proves it was a route: never call "lost" what was
      // never reached.
      if (welcomed_) reason = "lost route: " + reason;
    }
    socket_ = nullptr;
    if (stopping_) break;
    if (reconnect_now_) {
      spdlog::info("reconnecting to route {} as configured", net::host_port(cfg_.route.ip, cfg_.route.port));
      last_logged.clear();
      backoff_.reset();
      continue;
    }
    const auto reconnect = std::chrono::duration_cast<refusal_backoff::duration>(net::to_duration(cfg_.reconnect));
    if (welcomed_) backoff_.reset();
    auto wait = reconnect;
    if (token_refused_) {
      // Each try is one line: the wait grows, so they are few, and each says
      // when the next one comes.
      wait = backoff_.refused(reconnect);
      spdlog::error("{}; next try in {}", reason, seconds_text(wait));
      last_logged = reason;
    } else if (welcomed_ || reason != last_logged) {
      // A refusal (the route's key) is an error: retrying alone will not fix
      // it. The rest may pass by itself.
      wait = backoff_.after_other(reconnect);
      if (wait != reconnect)
        spdlog::log(refused_ ? spdlog::level::err : spdlog::level::warn, "{}; next try in {}", reason,
                    seconds_text(wait));
      else
        spdlog::log(refused_ ? spdlog::level::err : spdlog::level::warn, "{}; reconnecting every {} ms", reason,
                    net::to_ms(cfg_.reconnect).count());
      last_logged = reason;
    } else {
      wait = backoff_.after_other(reconnect);
      spdlog::debug("still no route: {}", reason);
    }
    retry_timer_.expires_after(wait);
    co_await retry_timer_.async_wait(net::use_nothrow);
  }
}

net::awaitable<std::string> client::run_session(net::tls::tls_stream& s) {
  outcome::result<protocol::welcome> welcome = co_await greet(s);
  if (!welcome) co_return welcome.why();
  const protocol::welcome& w = *welcome;

  // Ping at the shorter of our pace and the route's, and never less often
  // than three times per route timeout; consider the route gone after its
  // own timeout (or 2.5 heartbeats) of silence.
  auto interval = net::to_duration(cfg_.heartbeat);
  auto route_timeout = std::chrono::milliseconds(w.timeout_ms);
  if (w.heartbeat_ms) interval = std::min<net::duration>(interval, std::chrono::milliseconds(w.heartbeat_ms));
  if (w.timeout_ms) interval = std::min<net::duration>(interval, route_timeout / 3);
  auto silence = std::max<net::duration>(route_timeout, interval * 5 / 2);

  route_session::pool_hooks hooks{
      .use_wanted =
          [this] {
            return std::any_of(uses_.entries().begin(), uses_.entries().end(),
                               [](const use_entry& e) { return e.state == use_state::listening; });
          },
      .serve_wanted =
          [this] {
            return std::any_of(serves_.entries().begin(), serves_.entries().end(),
                               [](const serve_entry& e) { return e.state == serve_state::registered; });
          },
      .on_assign = [this](pooled_link link, protocol::link_assign a) { serves_.on_assign(std::move(link), a); },
  };
  // Held here for the whole session; ctx_ holds it for the serves and uses.
  // Dropping both at the end ends the tickets, pools and requests together.
  // What we send is bounded too: a route that takes none of it for as long
  // as it may stay silent, or lets 4 MiB pile up, is dropped and redialled.
  auto session = std::make_shared<route_session>(ex_, ctx_, w.vnetid,
                                                 net::frame::outbox_limits{.drain_timeout = silence}, std::move(hooks));
  ctx_.session_ = session;
  wake_connect_waiters();
  fatal_.clear();
  last_seen_ = std::chrono::steady_clock::now();
  spdlog::info("connected to route {} as vnet {:02} (group '{}')",
               net::host_port(cfg_.route.ip, cfg_.route.port), w.vnetid, cfg_.group);

  serves_.on_connected();  // registrations first, then the first tickets and idle links
  session->start();
  // Named, not temporaries: see net::frame::write_frame on GCC 12.
  std::string not_reading = "the route does not read what this vnet sends";
  std::string reason = co_await net::frame::run_control_session(s, session->outbox(), std::move(not_reading),
                                                         read_loop(s, *session), heartbeat(interval, *session),
                                                         watchdog(silence));
  net::error_code ignored;
  s.next_layer().close(ignored);
  // The session's end: its requests fail, its tickets and idle links go.
  ctx_.session_.reset();
  session.reset();
  serves_.on_disconnected();
  uses_.on_disconnected();
  co_return reason;
}

net::awaitable<std::string> client::read_loop(net::tls::tls_stream& s, route_session& session) {
  for (;;) {
    net::frame::frame_result fr = co_await net::frame::read_frame(s, protocol::max_payload);
    const auto& ec = fr.ec;
    const auto& msg = fr.msg;
    // TLS: a peer that closes without close_notify shows as stream_truncated.
    if (ec == net::asio::error::eof || ec == net::tls::ssl::error::stream_truncated)
      co_return "the route closed the connection";
    if (ec) co_return "read failed: " + ec.message();
    last_seen_ = std::chrono::steady_clock::now();
    // A keyed group's serves come sealed; opened here, before anything reads them.
    if (std::size_t unopened = crypto::open_serves(group_, fr.msg); unopened && ctx_.may_log("sealed serve"))
      spdlog::warn("the route listed {} serve{} whose description does not open under this group's key "
                   "(altered on the way?); shown without name, address or info",
                   unopened, unopened == 1 ? "" : "s");
    on_message(msg, session);
    if (!fatal_.empty()) co_return fatal_;
    // A use may listen or a serve be registered now: the pools follow.
    session.adjust_pools();
  }
}

net::awaitable<std::string> client::heartbeat(net::duration interval, route_session& session) {
  for (;;) {
    if (!co_await net::sleep_for(interval)) co_return "heartbeat stopped";
    uses_.follow_list();  // ports that were busy
    if (link_keys_->due()) send(protocol::link_key_update{link_keys_->rotate()});
    auto now = std::chrono::steady_clock::now().time_since_epoch();
    send(protocol::ping{session.next_request_id(), static_cast<std::uint64_t>(
                                  std::chrono::duration_cast<std::chrono::microseconds>(now).count())});
  }
}

net::awaitable<std::string> client::watchdog(net::duration silence) {
  co_await net::watch_silence(last_seen_, silence);
  co_return fmt::format("the route was silent for {} ms", net::to_ms(silence).count());
}

void client::on_message(const protocol::message& m, route_session& session) {
  if (auto* list = std::get_if<protocol::serve_list>(&m)) {
    session.take_serve_list(*list);
    uses_.follow_list();
    unserve_host::drop_left_uses(uses_);
    serves_.retry_refused(*list);
  } else if (auto* update = std::get_if<protocol::serve_list_update>(&m)) {
    // The route sends the whole list once after the welcome, then changes.
    if (!session.apply(*update)) {
      fatal_ = "protocol error: a serve list update came before the serve list";
      return;
    }
    uses_.follow_list();
    unserve_host::drop_left_uses(uses_);
    serves_.retry_refused(*session.serve_list());
  } else if (auto* r = std::get_if<protocol::serve_result>(&m)) {
    serves_.on_result(*r);
  } else if (auto* t = std::get_if<protocol::tickets>(&m)) {
    if (outcome::status took = session.tickets().on_tickets(*t); !took) fatal_ = took.why();
  } else if (auto* req = std::get_if<protocol::link_request>(&m)) {
    serves_.on_link_request(*req);
  } else if (auto* p = std::get_if<protocol::pong>(&m)) {
    if (!session.answer(p->request_id, m)) {
      auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now().time_since_epoch()).count();
      spdlog::trace("pong {}: {} us", p->request_id, static_cast<std::uint64_t>(now) - p->timestamp);
    }
  } else if (auto* q = std::get_if<protocol::serve_query_result>(&m)) {
    session.answer(q->request_id, m);
  } else if (auto* v = std::get_if<protocol::vnet_query_result>(&m)) {
    session.answer(v->request_id, m);
  } else if (auto* ur = std::get_if<protocol::unserve_result>(&m)) {
    session.answer(ur->request_id, m);
  } else if (auto* ureq = std::get_if<protocol::unserve_request>(&m)) {
    unserve_.on_request(*ureq);
  } else if (auto* e = std::get_if<protocol::error>(&m)) {
    fatal_ = "the route reported an error: " + text::printable(e->message);
  } else if (!std::holds_alternative<protocol::ping>(m)) {
    fatal_ = fmt::format("protocol error: unexpected {} from the route",
                         protocol::name_of(protocol::type_of(m)));
  }
}

net::awaitable<reply> client::request(protocol::message m, net::duration timeout) {
  if (!connected() && !stopping_) {
    // Just started or reconnecting: give the session a moment to come up.
    auto waiter = std::make_shared<net::asio::steady_timer>(ex_, std::min(timeout, ctx_.dial_timeout()));
    connect_waiters_.push_back(waiter);
    co_await waiter->async_wait(net::use_nothrow);
    std::erase(connect_waiters_, waiter);
  }
  // Held only to send: the request ends with the session, not the other way round.
  std::weak_ptr<route_session> session = ctx_.session_handle();
  std::shared_ptr<route_session> now = session.lock();
  if (!now) co_return no_answer{no_answer_kind::not_connected, "not connected to the route"};
  auto id = now->next_request_id();
  std::visit([id](auto& v) {
    if constexpr (requires { v.request_id; }) v.request_id = id;
  }, m);
  auto p = now->expect(id);
  now->send(m);
  now.reset();
  p->done.expires_after(timeout);
  co_await p->done.async_wait(net::use_nothrow);
  if (auto still = session.lock()) still->forget(id);
  if (p->answer) co_return std::move(*p->answer);
  if (!p->error.empty()) co_return no_answer{no_answer_kind::refused, p->error};
  co_return no_answer{no_answer_kind::timed_out, fmt::format("no answer within {} ms", net::to_ms(timeout).count())};
}

}  // namespace vnet
