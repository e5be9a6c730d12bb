#pragma once
// The running of a control session, the same on both daemons (the route's
// session with each vnet, a vnet's with its route): the session's own
// branches (its reader, its silence watchdog, a heartbeat) race the writer
// of its outbox; the first to end ends the others (cancelled), and its
// reason is the session's. An outbox that ends is said in words: the peer
// does not read (over the bound, or past the drain deadline), or the write
// failed.
#include <string>
#include <utility>
#include <variant>

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

}  // namespace detail

// Runs the session's branches (each an awaitable<std::string> that returns
// why the session ends) and the writer of `out` on `s` until the first
// ends; returns its reason. `not_reading` names who does not read, for an
// outbox over its bound or its deadline ("the route does not read what this
// vnet sends"). The caller closes the socket afterwards.
template <typename Stream, typename First, typename... Rest>
awaitable<std::string> run_control_session(Stream& s, outbox& out, std::string not_reading, First first,
                                           Rest... rest) {
  auto r = co_await ((std::move(first) || ... || std::move(rest)) ||
                     detail::write_outbox(s, out, std::move(not_reading)));
  co_return std::visit([](std::string& why) { return std::move(why); }, r);
}

}  // namespace net::frame
