#include "vnet/session/link_pool.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/frame/frame_io.hpp"
#include "net/spawn.hpp"
#include "net/still_idle.hpp"
#include "text/printable.hpp"
#include "vnet/session/route_link.hpp"
#include "vnet/session/route_session.hpp"

namespace vnet {
namespace {

constexpr std::size_t min_idle = 2;
constexpr auto rate_window = std::chrono::seconds(1);
constexpr auto tick_every = std::chrono::seconds(1);
// A replacement opened while a link is being set up competes with it (a
// dial and a ticket here, an accept and a check at the route, on the same
// CPUs): it waits this long, a loopback setup's time, unless none is left.
constexpr auto refill_delay = std::chrono::milliseconds(2);
constexpr auto first_backoff = std::chrono::milliseconds(1000);
constexpr auto max_backoff = std::chrono::milliseconds(30000);
// The route writes link_assign (or its error) whole: a frame that does not
// follow its first byte within this is a broken path.
constexpr auto frame_timeout = std::chrono::seconds(5);
// A link the route closes sooner than this after opening was not taken: a
// refusal without words (no loop of dial, ticket, close).
constexpr auto short_life = std::chrono::seconds(1);

}  // namespace

link_pool::link_pool(net::asio::any_io_executor ex, const route_context& ctx, route_session& session,
                     protocol::pool_role role, std::function<bool()> wanted, assign_fn on_assign)
    : ex_(ex),
      ctx_(ctx),
      session_(session),
      role_(role),
      wanted_(std::move(wanted)),
      name_(role == protocol::pool_role::use ? "use" : "serve"),
      on_assign_(std::move(on_assign)),
      tick_(ex),
      soon_(ex) {}

link_pool::~link_pool() {
  close_idle(0);
  opening_sockets_->close_all();
}

std::size_t link_pool::target() const {
  if (!wanted_ || !wanted_()) return 0;
  return std::min<std::size_t>(ctx_.cfg.max_idle_links, min_idle + taken_.size());
}

void link_pool::close_idle(std::size_t keep) {
  net::error_code ignored;
  while (idle_.size() > keep) {
    idle_.front().socket.close(ignored);  // its wait ends with operation_aborted
    idle_.pop_front();
  }
}

void link_pool::arm_tick() {
  if (tick_armed_) return;
  tick_armed_ = true;
  tick_.expires_after(tick_every);
  tick_.async_wait([this, alive = session_.weak_from_this()](net::error_code ec) {
    // A wait that ended before the session went still runs: only the
    // session's life says whether `this` is there.
    if (ec || alive.expired()) return;
    tick_armed_ = false;
    adjust();
  });
}

void link_pool::adjust_soon() {
  if (idle_.empty()) return adjust();
  if (soon_armed_) return;
  soon_armed_ = true;
  soon_.expires_after(refill_delay);
  soon_.async_wait([this, alive = session_.weak_from_this()](net::error_code ec) {
    if (ec || alive.expired()) return;  // cancelled, or the pool is gone (see arm_tick)
    soon_armed_ = false;
    adjust();
  });
}

void link_pool::adjust() {
  const auto now = clock::now();
  while (!taken_.empty() && now - taken_.front() > rate_window) taken_.pop_front();
  arm_tick();  // the rate decays, a hold ends, `wanted` changes: looked at again
  const std::size_t want = target();
  // Only the vnet retires use-role links; serve-role ones only when no serve
  // is left (else the route retires them: no race with an assignment).
  if (idle_.size() > want && (role_ == protocol::pool_role::use || want == 0)) close_idle(want);
  if (want > 0 && idle_.size() >= want && now - idle_.back().opened >= short_life) {
    refused_streak_ = false;  // full, and the newest link lived: whatever held it back has passed
    backoff_ = {};
  }
  if (idle_.size() + opening_ >= want || now < hold_until_) return;
  for (std::size_t n = want - idle_.size() - opening_; n > 0; --n) {
    ++opening_;
    net::asio::co_spawn(ex_, open_one(session_.weak_from_this(), opening_sockets_), net::log_exception{"pooled link"});
  }
}

void link_pool::hold_off(bool refused, const std::string& why) {
  const auto now = clock::now();
  if (now >= hold_until_) {  // links that fail together (a batch, a cut) double it once
    backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
    hold_until_ = now + backoff_;
  }
  if (refused && !refused_streak_)
    spdlog::warn("pooled {} links: {}; new ones wait {} ms (connections open their own links meanwhile)",
                 name_, why, backoff_.count());
  else
    spdlog::debug("pooled {} links: {}; new ones wait {} ms", name_, why, backoff_.count());
  refused_streak_ = refused_streak_ || refused;
}

net::awaitable<void> link_pool::open_one(std::weak_ptr<route_session> session, std::shared_ptr<net::socket_set> opening) {
  net::tcp::socket s(ex_);
  net::socket_set::guard g(*opening, s);
  route_opening what = idle_opening{role_};
  outcome::result<crypto::key32> opened = co_await open_route_link(s, ctx_, session, std::move(what));
  if (session.expired()) co_return;  // the session ended, and this pool with it
  --opening_;
  if (!opened) {
    hold_off(false, opened.why());
    co_return;
  }
  opening->remove(s);
  idle_.emplace_back(std::move(s), *opened, next_id_++);
  crypto::wipe(*opened);
  watch(idle_.back());
  adjust();
}

void link_pool::watch(entry& e) {
  // No buffer while idle: only readiness is awaited.
  e.socket.async_wait(net::tcp::socket::wait_read, [this, id = e.id, alive = session_.weak_from_this()](
                                                        net::error_code ec) {
    // Taken or closed, or the pool is gone (see arm_tick).
    if (ec == net::asio::error::operation_aborted || alive.expired()) return;
    auto it = std::find_if(idle_.begin(), idle_.end(), [id](const entry& x) { return x.id == id; });
    if (it == idle_.end()) return;
    pooled_link link{std::move(it->socket), it->secret};
    const auto opened = it->opened;
    idle_.erase(it);
    net::asio::co_spawn(ex_, on_readable(std::move(link), opened, session_.weak_from_this()),
                        net::log_exception{"pooled link"});
    adjust_soon();  // its replacement, once the setup it serves is through
  });
}

net::awaitable<void> link_pool::on_readable(pooled_link link, clock::time_point opened,
                                            std::weak_ptr<route_session> session) {
  // Not a structured binding: GCC 12 mis-destroys those over a co_await result.
  net::frame::frame_result fr = co_await net::frame::read_frame(link.socket, protocol::max_opening_payload, frame_timeout);
  if (session.expired()) co_return;  // the session ended, and this pool with it
  const auto& ec = fr.ec;
  const auto& msg = fr.msg;
  if (!ec) {
    if (auto* a = std::get_if<protocol::link_assign>(&msg); a && role_ == protocol::pool_role::serve) {
      taken_.push_back(clock::now());
      const protocol::link_assign assign = *a;
      if (on_assign_) on_assign_(std::move(link), assign);
      adjust_soon();
      co_return;
    }
    if (auto* e = std::get_if<protocol::error>(&msg)) {
      hold_off(true, "the route refused an idle link: " + text::printable(e->message));
      co_return;
    }
    spdlog::warn("pooled {} link: unexpected {} from the route; link closed", name_,
                 protocol::name_of(protocol::type_of(msg)));
    co_return;
  }
  // EOF or reset: the route, or something on the path, closed it. Replaced
  // already (watch); only a link that died young holds the next ones back.
  spdlog::debug("pooled {} link closed by the route or the path: {}", name_, ec.message());
  if (clock::now() - opened < short_life) hold_off(false, "the route closed a new idle link: " + ec.message());
}

std::optional<pooled_link> link_pool::take() {
  std::optional<pooled_link> out;
  taken_.push_back(clock::now());  // demand, met or not: the pool grows with it
  while (!out && !idle_.empty()) {
    auto& e = idle_.back();  // the newest: the least time to have died on the path
    net::error_code ignored;
    // The route never writes on an idle use-role link.
    if (net::still_idle(e.socket)) {
      e.socket.cancel(ignored);  // its wait ends with operation_aborted
      out.emplace(pooled_link{std::move(e.socket), e.secret});
    } else {
      e.socket.close(ignored);  // dead (EOF, reset) or written to: never handed out
    }
    crypto::wipe(e.secret);
    idle_.pop_back();
  }
  adjust_soon();
  return out;
}

}  // namespace vnet
