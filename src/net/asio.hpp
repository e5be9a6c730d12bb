#pragma once
// The Asio vocabulary every coroutine in the project uses.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace net {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

// Expected outcomes (EOF, reset, cancel, refusal) come back as values.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace net
