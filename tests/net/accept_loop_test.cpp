// net::accept_loop takes what waits in the listen queue in one turn, so that
// a burst of clients does not overflow the queue while the io_context is busy.
#include <gtest/gtest.h>

#include <list>

#include <boost/asio/io_context.hpp>

#include "net/listen.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST(AcceptLoop, TakesTheWholeQueueInOneTurn) {
  asio::io_context io;
  tcp::acceptor acceptor(io);
  ASSERT_FALSE(net::listen(acceptor, "127.0.0.1", 0));
  // 40 clients whose connections the kernel completed before the loop runs.
  std::list<tcp::socket> clients;
  for (int i = 0; i < 40; ++i) clients.emplace_back(io).connect(acceptor.local_endpoint());
  std::size_t accepted = 0;
  std::list<tcp::socket> kept;
  std::function<void(tcp::socket)> on_accept = [&](tcp::socket s) {
    ++accepted;
    kept.push_back(std::move(s));
  };
  asio::co_spawn(io, net::accept_loop(acceptor, "test", on_accept, {}, 64), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  // A few handlers, not one per connection: one accept per turn would need 40.
  for (int i = 0; i < 6 && accepted < 40; ++i) io.poll_one();
  EXPECT_EQ(accepted, 40u);
  acceptor.close();
  io.run_for(std::chrono::milliseconds(100));
}

}  // namespace
