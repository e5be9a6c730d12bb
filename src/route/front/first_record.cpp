#include "route/front/first_record.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

#include "platform/socket_options.hpp"
#include "protocol/error.hpp"

using namespace boost::asio::experimental::awaitable_operators;

namespace route {
namespace {

// A TLS record carries at most 2^14 bytes, plus what its protection adds.
constexpr std::size_t max_record_body = 16384 + 256;
constexpr std::size_t header_bytes = 5;
constexpr auto pause_between_polls = std::chrono::milliseconds(10);

// Until `need` bytes are queued: the kernel wakes the wait only when they
// are (or the peer closed).
net::awaitable<net::error_code> queued(net::tcp::socket& s, std::size_t need, net::asio::steady_timer& timer) {
  std::size_t seen = 0;  // bytes queued when the last wait ended
  for (;;) {
    net::error_code ec;
    const std::size_t have = s.available(ec);
    if (ec) co_return ec;
    if (have >= need) co_return net::error_code{};
    if (platform::peer_hung_up(s.native_handle())) co_return net::asio::error::eof;
    if (have > 0 && have == seen) {
      // Nothing came since the last wake: where the low-water mark is
      // refused (Windows), readability ends every wait at once while a byte
      // is queued, so the loop would spin and never see the deadline (a
      // stalled half record kept the route busy). A pause instead.
      net::asio::steady_timer pause(s.get_executor(),
                                    std::min(timer.expiry(), std::chrono::steady_clock::now() + pause_between_polls));
      co_await pause.async_wait(net::use_nothrow);
      if (std::chrono::steady_clock::now() >= timer.expiry()) co_return net::asio::error::timed_out;
      continue;
    }
    seen = have;
    // Best effort: without it each wait ends at the next segment, and the
    // loop waits again.
    platform::set_receive_low_water(s.native_handle(), need);
    auto r = co_await (s.async_wait(net::tcp::socket::wait_read, net::use_nothrow) ||
                       timer.async_wait(net::use_nothrow));
    if (r.index() == 1) co_return net::asio::error::timed_out;
    if (auto wec = std::get<0>(std::get<0>(r))) co_return wec;
  }
}

}  // namespace

net::awaitable<net::error_code> await_first_record(net::tcp::socket& s,
                                                   std::chrono::steady_clock::time_point deadline) {
  net::asio::steady_timer timer(s.get_executor(), deadline);
  net::error_code ec = co_await queued(s, header_bytes, timer);
  if (!ec) {
    std::array<std::uint8_t, header_bytes> header{};
    s.receive(net::asio::buffer(header), net::tcp::socket::message_peek, ec);
    const std::size_t body = (std::size_t{header[3]} << 8) | header[4];
    if (!ec && (header[0] != 0x16 || body == 0 || body > max_record_body))
      ec = protocol::make_error_code(protocol::errc::bad_value);
    if (!ec) ec = co_await queued(s, header_bytes + body, timer);
  }
  platform::set_receive_low_water(s.native_handle(), 1);
  co_return ec;
}

}  // namespace route
