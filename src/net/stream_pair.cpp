#include "net/stream_pair.hpp"

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>

namespace net {

outcome::result<std::pair<tcp::socket, tcp::socket>> make_stream_pair(const asio::any_io_executor& ex) {
  error_code ec;
  tcp::socket a(ex), b(ex);
#if defined(BOOST_ASIO_HAS_LOCAL_SOCKETS) && !defined(_WIN32)
  // tcp::socket only wraps the descriptor: reads, writes, waits, shutdown
  // and SO_LINGER act on a unix stream socket alike. (Asio has local
  // sockets on Windows too, but Wine, where that build is tested, has no
  // AF_UNIX, and a tcp::socket there cannot adopt one.)
  asio::local::stream_protocol::socket ua(ex), ub(ex);
  asio::local::connect_pair(ua, ub, ec);
  if (!ec) a.assign(tcp::v4(), ua.release(), ec);
  if (!ec) b.assign(tcp::v4(), ub.release(), ec);
#else
  tcp::acceptor acceptor(ex);
  const tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
  acceptor.open(loopback.protocol(), ec);
  if (!ec) acceptor.bind(loopback, ec);
  if (!ec) acceptor.listen(1, ec);
  tcp::endpoint at;
  if (!ec) at = acceptor.local_endpoint(ec);
  if (!ec) a.connect(at, ec);
  if (!ec) acceptor.accept(b, ec);
  // Another local program could have connected first: the pair is ours only.
  if (!ec) {
    error_code peer_ec, own_ec;
    const tcp::endpoint peer = b.remote_endpoint(peer_ec);
    const tcp::endpoint own = a.local_endpoint(own_ec);
    if (peer_ec || own_ec || peer != own) ec = asio::error::access_denied;
  }
  if (!ec) a.set_option(tcp::no_delay(true), ec);
  if (!ec) b.set_option(tcp::no_delay(true), ec);
#endif
  if (ec) return outcome::fail("cannot make a socket pair: " + ec.message());
  return std::make_pair(std::move(a), std::move(b));
}

}  // namespace net
