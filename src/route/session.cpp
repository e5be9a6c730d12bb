#include "route/session.hpp"
#include "net/endpoint.hpp"
#include "net/time.hpp"

#include <fmt/format.h>

using namespace boost::asio::experimental::awaitable_operators;

namespace route {

session::session(net::tcp::socket socket, std::uint32_t vnetid, std::uint64_t token,
                 net::duration timeout)
    : socket_(std::move(socket)),
      outbox_(socket_.get_executor()),
      vnetid_(vnetid),
      token_(token),
      welcome_timeout_(timeout),
      timeout_(timeout),
      last_seen_(std::chrono::steady_clock::now()) {
  net::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  remote_ = ec ? "?" : net::to_string(ep);
}

net::awaitable<std::string> session::run(
    std::function<void(const protocol::message&)> on_message) {
  auto r = co_await (read_loop(std::move(on_message)) || watchdog() ||
                     outbox_.run(socket_));
  std::string reason;
  if (r.index() == 0) reason = std::get<0>(r);
  else if (r.index() == 1) reason = std::get<1>(r);
  else if (auto ec = std::get<2>(r)) reason = "write failed: " + ec.message();
  if (!close_reason_.empty()) reason = close_reason_;
  net::error_code ignored;
  socket_.close(ignored);
  co_return reason;
}

net::awaitable<std::string> session::read_loop(
    std::function<void(const protocol::message&)> on_message) {
  for (;;) {
    net::frame_result fr = co_await net::read_frame(socket_, protocol::max_payload);
    const auto& ec = fr.ec;
    const auto& msg = fr.msg;
    if (ec == net::asio::error::eof) co_return "closed by the vnet";
    if (ec == net::asio::error::operation_aborted) co_return "closed";
    if (ec) co_return "read failed: " + ec.message();
    last_seen_ = std::chrono::steady_clock::now();
    on_message(msg);
  }
}

net::awaitable<std::string> session::watchdog() {
  co_await net::watch_silence(last_seen_, timeout_);
  co_return fmt::format("silent for {} ms", net::to_ms(timeout_).count());
}

void session::fail(const std::string& reason) {
  close_reason_ = reason;
  send(protocol::error{0, reason});
  // Give the error frame a chance to leave: the outbox closes after it.
  outbox_.close();
}

void session::close() {
  net::error_code ignored;
  socket_.close(ignored);
  outbox_.close();
}

}  // namespace route
