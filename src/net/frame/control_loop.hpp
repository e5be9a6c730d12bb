#pragma once
// The running of a vnet's control session with its route (the route's
// sessions run on callbacks instead: route/sessions/session.*): the session's own
// branches (its reader, its silence watchdog, a heartbeat) race the writer
// of its outbox; the first to end ends the others (cancelled), and its
// reason is the session's. An outbox that ends is said in words: the peer
// does not read (over the bound, or past the drain deadline), or the write
// failed.
#include <cstddef>
#include <exception>
#include <string>
#include <tuple>
#include <utility>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include "net/asio.hpp"
#include "net/frame/frame_io.hpp"

namespace net::frame {

// Why an outbox's run() ended with `ec`: "<not_reading> (<stall>)" when the
// peer took too little, "write failed: ..." when the socket failed, "closed"
// after outbox::close().
inline std::string outbox_ended(const outbox& out, error_code ec, const std::string& not_reading) {
  if (ec == asio::error::no_buffer_space || ec == asio::error::timed_out)
    return not_reading + " (" + out.stall() + ")";
  if (ec) return "write failed: " + ec.message();
  return "closed";
}

namespace detail {

template <typename Stream>
awaitable<std::string> write_outbox(Stream& s, outbox& out, std::string not_reading) {
  error_code ec = co_await out.run(s);
  co_return outbox_ended(out, ec, not_reading);
}

// The reason of the first branch in `order` that ended without an
// exception; when every branch threw, the first one's exception.
template <typename Results, std::size_t... I>
std::string first_reason(Results& r, std::index_sequence<I...>) {
  const auto& order = std::get<0>(r);
  for (std::size_t which : order) {
    std::string why;
    bool found = false;
    ((I == which && !std::get<1 + 2 * I>(r) ? (why = std::move(std::get<2 + 2 * I>(r)), found = true) : false),
     ...);
    if (found) return why;
  }
  std::exception_ptr first;
  ((I == order[0] ? (first = std::get<1 + 2 * I>(r), true) : false), ...);
  std::rethrow_exception(first);
}

}  // namespace detail

// Runs the session's branches (each an awaitable<std::string> that returns
// why the session ends) and the writer of `out` on `s` until the first
// ends; returns its reason. `not_reading` names who does not read, for an
// outbox over its bound or its deadline ("the route does not read what this
// vnet sends"). The caller closes the socket afterwards.
//
// One parallel group of all the branches, not a chain of `||`: each `||`
// is a coroutine of its own with a group and a spawned frame per side,
// about 4 KiB per session (docs/performance.md, "Memory").
template <typename Stream, typename... Branches>
awaitable<std::string> run_control_session(Stream& s, outbox& out, std::string not_reading, Branches... branches) {
  auto ex = co_await asio::this_coro::executor;
  // Named, not temporaries of the co_await: see write_frame on GCC 12.
  auto group = asio::experimental::make_parallel_group(
      asio::co_spawn(ex, std::move(branches), asio::deferred)...,
      asio::co_spawn(ex, detail::write_outbox(s, out, std::move(not_reading)), asio::deferred));
  asio::experimental::wait_for_one_success first_success;
  auto results = co_await group.async_wait(first_success, asio::use_awaitable);
  co_return detail::first_reason(results, std::make_index_sequence<sizeof...(Branches) + 1>{});
}

}  // namespace net::frame
